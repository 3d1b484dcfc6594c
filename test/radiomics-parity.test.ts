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
import { extractFeatures, extractWithDiagnostics } from '../src/radiomics/extractor.ts';
import { parseSettingsYaml, SettingsError } from '../src/radiomics/settings.ts';

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
      let got: Record<string, number>;
      try {
        got = extractFeatures(readVolume(ref.image), readVolume(ref.mask), settings);
      } catch (err) {
        if (err instanceof SettingsError && err.message.includes('not supported yet')) {
          t.skip(err.message);
          return;
        }
        throw err;
      }

      // Names byte for byte: the same set as the reference, nothing missing, nothing extra.
      const missing = Object.keys(ref.features).filter((n) => !(n in got));
      const extra = Object.keys(got).filter((n) => !(n in ref.features));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });

      const expected = Object.entries(ref.features);
      const maxRelByType = new Map<string, number>();
      const failures: string[] = [];
      for (const [name, want] of expected) {
        const have = got[name]!;
        const diff = Math.abs(have - want);
        const rel = diff / Math.max(Math.abs(want), Number.MIN_VALUE);
        const type = name.slice(0, name.indexOf('_'));
        if (Math.abs(want) > ABS_TOL) maxRelByType.set(type, Math.max(maxRelByType.get(type) ?? 0, rel));
        if (diff > ABS_TOL && rel > REL_TOL)
          failures.push(`${name}: got ${have}, reference ${want} (rel ${rel.toExponential(2)})`);
      }
      const byType = [...maxRelByType].map(([type, rel]) => `${type} ${rel.toExponential(1)}`).join(', ');
      t.diagnostic(
        `${file}: ${expected.length} features compared; max relative error by image type: ${byType}`,
      );
      assert.ok(expected.length > 0, 'no reference feature compared');
      assert.deepEqual(failures, []);
    });
  }
}

test('resampling grid and values: breast1_resampling diagnostics (PyRadiomics baseline)', (t) => {
  const file = path.join(REF_DIR, 'breast1_resampling.json');
  if (!existsSync(file)) return t.skip(`reference ${file} is absent`);
  const ref = JSON.parse(readFileSync(file, 'utf8')) as Reference & { diagnostics: Record<string, string> };
  const { diagnostics } = extractWithDiagnostics(
    readVolume(ref.image),
    readVolume(ref.mask),
    parseSettingsYaml(ref.params_yaml),
  );
  // PyRadiomics prints tuples; compare numbers.
  const want = (key: string) => ref.diagnostics[key]!.replace(/[()]/g, '').split(',').map(Number);
  for (const key of [
    'diagnostics_Image-interpolated_Size',
    'diagnostics_Image-interpolated_Spacing',
    'diagnostics_Image-interpolated_Minimum',
    'diagnostics_Image-interpolated_Maximum',
    'diagnostics_Mask-interpolated_BoundingBox',
    'diagnostics_Mask-interpolated_VoxelNum',
  ])
    assert.deepEqual([diagnostics[key]].flat(), want(key), key);
  // The mean of the int16 B-spline result is exact when every voxel is (sum 219305 / 3584).
  for (const key of ['diagnostics_Image-interpolated_Mean', 'diagnostics_Mask-interpolated_Mean'])
    assert.ok(Math.abs((diagnostics[key] as number) - want(key)[0]!) < 1e-12, key);
});

test('the shipped study parameter files are the reference settings (params/*.yaml)', (t) => {
  // params/mri-study.yaml and params/ct-study.yaml state that they are the settings of
  // breast1_mri_style / breast1_ct_style; the features must then be those references' features.
  for (const [params, reference] of [
    ['mri-study.yaml', 'breast1_mri_style.json'],
    ['ct-study.yaml', 'breast1_ct_style.json'],
  ] as const) {
    const shipped = parseSettingsYaml(readFileSync(path.join(here, '../params', params), 'utf8'), params);
    const file = path.join(REF_DIR, reference);
    if (!existsSync(file)) {
      t.diagnostic(`reference ${file} is absent: ${params} only parsed`);
      continue;
    }
    const ref = JSON.parse(readFileSync(file, 'utf8')) as Reference;
    const fromRef = parseSettingsYaml(ref.params_yaml, reference);
    assert.deepEqual(shipped, fromRef, `${params} differs from ${reference}'s settings`);
    assert.equal(Object.keys(ref.features).length, params === 'mri-study.yaml' ? 1223 : 1595);
  }
});
