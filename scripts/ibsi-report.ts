/**
 * Regenerates docs/ibsi.md, the IBSI 1 digital phantom report:
 *   node --import tsx scripts/ibsi-report.ts
 * Needs ../shared/reference/ibsi1 (relative to the repository).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareDigitalPhantom } from '../src/radiomics/ibsi/compare.ts';
import { renderIbsiReport } from '../src/radiomics/ibsi/report.ts';

const root = path.resolve(import.meta.dirname, '..');
const referenceDir = path.resolve(root, '../shared/reference/ibsi1');
if (!existsSync(referenceDir)) {
  console.error(`IBSI reference data not found: ${referenceDir}`);
  process.exit(1);
}
const out = path.join(root, 'docs', 'ibsi.md');
writeFileSync(out, renderIbsiReport(await compareDigitalPhantom(referenceDir)));
console.log(`wrote ${path.relative(root, out)}`);
