/**
 * Parity with PyRadiomics on the breast1 reference values (../shared/reference/pyradiomics/breast1):
 * every reference feature of the feature classes implemented here, relative tolerance 1e-3
 * (absolute 1e-6 near zero). References needing unsupported settings are skipped, naming why.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNrrd } from '../src/imaging/nrrd.ts';
import { extractFeatures } from '../src/radiomics/extractor.ts';
import { implementedFamilies } from '../src/radiomics/families.ts';
import { parseSettingsYaml, SettingsError, type FamilyName } from '../src/radiomics/settings.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REF_DIR = path.resolve(here, '../../shared/reference/pyradiomics/breast1');
const REL_TOL = 1e-3;
const ABS_TOL = 1e-6;

interface Reference {
  image: string;
  mask: string;
  params_yaml: string;
  features: Record<string, number>;
}

const readVolume = (file: string) => readNrrd(new Uint8Array(readFileSync(path.join(REF_DIR, file))), file);

if (!existsSync(REF_DIR)) {
  test('PyRadiomics breast1 parity', (t) => t.skip(`reference folder ${REF_DIR} is absent`));
} else {
  const files = readdirSync(REF_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of files) {
    test(`PyRadiomics parity: ${file}`, (t) => {
      const ref = JSON.parse(readFileSync(path.join(REF_DIR, file), 'utf8')) as Reference;
      let settings;
      try {
        settings = parseSettingsYaml(ref.params_yaml, file);
      } catch (err) {
        if (err instanceof SettingsError && err.message.includes('not supported yet')) {
          t.skip(err.message);
          return;
        }
        throw err;
      }
      const implemented = new Set<string>(implementedFamilies());
      const compared = Object.keys(settings.featureClass).filter((f) => implemented.has(f)) as FamilyName[];
      if (compared.length === 0) {
        t.skip(`no implemented feature class among ${Object.keys(settings.featureClass).join(', ')}`);
        return;
      }
      settings.featureClass = Object.fromEntries(compared.map((f) => [f, settings.featureClass[f] ?? null]));
      const got = extractFeatures(readVolume(ref.image), readVolume(ref.mask), settings);

      const expected = Object.entries(ref.features).filter(([name]) =>
        compared.some((f) => name.startsWith(`original_${f}_`)),
      );
      let maxRel = 0;
      const failures: string[] = [];
      for (const [name, want] of expected) {
        const have = got[name];
        if (have === undefined) {
          failures.push(`${name}: missing`);
          continue;
        }
        const diff = Math.abs(have - want);
        const rel = diff / Math.max(Math.abs(want), Number.MIN_VALUE);
        if (Math.abs(want) > ABS_TOL) maxRel = Math.max(maxRel, rel);
        if (diff > ABS_TOL && rel > REL_TOL)
          failures.push(`${name}: got ${have}, reference ${want} (rel ${rel.toExponential(2)})`);
      }
      t.diagnostic(
        `${file}: ${expected.length} features compared (${compared.join(', ')}), max relative error ${maxRel.toExponential(2)}`,
      );
      assert.ok(expected.length > 0, 'no reference feature compared');
      assert.deepEqual(failures, []);
    });
  }
}
