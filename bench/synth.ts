/**
 * How long `axilla synth` takes per patient and how many bytes a study holds, for each protocol
 * size. Prints figures; asserts nothing. Run: `npm run bench:synth` (or with `-- --patients N`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeCohort } from '../src/synth/cohort-writer.ts';
import type { ProtocolSize } from '../src/synth/protocols.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const patients = Number(arg('patients', '3'));
const sizes = arg('sizes', 'small,realistic').split(',') as ProtocolSize[];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`synth benchmark: ${patients} patients per size, node ${process.version}, ${os()}`);
for (const size of sizes) {
  const dir = mkdtempSync(path.join(tmpdir(), `axilla-bench-${size}-`));
  try {
    const perPatient: number[] = [];
    let last = performance.now();
    const started = last;
    const summary = await writeCohort({
      patients,
      seed: 'bench',
      outDir: dir,
      size,
      onProgress: () => {
        const now = performance.now();
        perPatient.push((now - last) / 1000);
        last = now;
      },
    });
    const total = (performance.now() - started) / 1000;
    const mb = (b: number) => (b / 1e6).toFixed(1);
    console.log(
      `${size.padEnd(9)} total ${total.toFixed(1)} s | per patient median ${median(perPatient).toFixed(2)} s, min ${Math.min(...perPatient).toFixed(2)} s, max ${Math.max(...perPatient).toFixed(2)} s` +
        ` | per study median ${mb(median(summary.bytesPerStudy))} MB, min ${mb(Math.min(...summary.bytesPerStudy))} MB, max ${mb(Math.max(...summary.bytesPerStudy))} MB | files ${summary.files}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function os(): string {
  return `${process.platform}/${process.arch}`;
}
