import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ensureDemoBackbone, loadBackbone } from '../deep/backbone.ts';
import { writeCohort } from '../synth/cohort-writer.ts';
import { deepColumns } from './deep-columns.ts';
import { readCohortManifest } from './manifest.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'axilla-deep-columns-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('deep columns of a cohort row: DL_pre, DL_post, DL_delta = post − pre, 2048 each, finite', async () => {
  await writeCohort({ patients: 1, seed: 'deep-columns', outDir: dir, size: 'small' });
  const [row] = readCohortManifest(readFileSync(path.join(dir, 'cohort.csv'), 'utf8'));
  const demo = await ensureDemoBackbone(path.join(dir, 'backbones'));
  const backbone = await loadBackbone(demo.path, demo.sha256);
  try {
    assert.equal(backbone.isDemo, true);
    const columns = await deepColumns(dir, backbone)(row!);
    const names = Object.keys(columns);
    assert.equal(names.length, 3 * 2048);
    assert.deepEqual(
      [names[0], names[2047], names[2048], names[4096], names[6143]],
      ['DL_pre_0001', 'DL_pre_2048', 'DL_post_0001', 'DL_delta_0001', 'DL_delta_2048'],
    );
    for (let n = 1; n <= 2048; n += 1) {
      const id = String(n).padStart(4, '0');
      const pre = columns[`DL_pre_${id}`]!;
      const post = columns[`DL_post_${id}`]!;
      assert.ok(Number.isFinite(pre) && Number.isFinite(post));
      // delta is computed in float32 (deltaFeatures), so compare at float32 precision.
      assert.ok(
        Math.abs(columns[`DL_delta_${id}`]! - (post - pre)) <= 1e-6 * Math.max(1, Math.abs(post - pre)),
      );
    }
    assert.ok(names.some((n) => n.startsWith('DL_pre_') && columns[n] !== columns[n.replace('pre', 'post')]));
  } finally {
    await backbone.close();
  }
});
