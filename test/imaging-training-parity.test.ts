/**
 * The hook's imaging pipeline computes the same model inputs as the training path that fitted
 * the model: for a synthetic patient, the radiomic features `axilla predict` hands to the
 * classifier equal the training path's extract-cohort table (same extractor, SEG-chosen volumes,
 * delta = post − pre), and its deep components equal the training path's deep table projected
 * by the bundle's PCA. The reference is the training code (src/train/cohort-features.ts), not
 * the pipeline under test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPredict } from '../src/cli/predict-command.ts';
import type { CohortSequence } from '../src/cohort/manifest.ts';
import { loadConfig } from '../src/config/config.ts';
import { BackboneStore } from '../src/deep/backbone-store.ts';
import { loadBundles } from '../src/model/bundle.ts';
import { readTrustedKeys } from '../src/model/signature.ts';
import { writeCohort } from '../src/synth/cohort-writer.ts';
import { deepFeatures, radiomicsFeatures } from '../src/train/cohort-features.ts';
import { createLogger } from '../src/util/logger.ts';

const repo = path.resolve(import.meta.dirname, '..');
const PATIENT = 'SYN0001';

describe('served imaging inputs equal the training path', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-parity-'));
    await writeCohort({ patients: 1, seed: 'imaging-training-parity', outDir: dir, size: 'small' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const predict = async (model: string) => {
    const config = loadConfig({
      env: {},
      overrides: {
        models: {
          dir: path.join(repo, 'models'),
          trustedKeys: path.join(repo, 'models/trusted-publishers.jwks.json'),
        },
        cards: { dir: path.join(repo, 'cds-hooks') },
        imaging: { backboneDir: path.join(repo, 'var/backbones') },
      },
    });
    const r = await runPredict(
      {
        patient: PATIENT,
        dicom: path.join(dir, 'dicom'),
        fhirBundle: path.join(dir, 'fhir', `${PATIENT}.json`),
        model,
        hook: 'order-sign',
      },
      config,
    );
    assert.equal(r.outcome, 'prediction', JSON.stringify(r.detail).slice(0, 400));
    const f = (r.detail as { features: { names: string[]; values: number[] } }).features;
    return new Map(f.names.map((n, i) => [n, f.values[i]!]));
  };

  it('radiomics inputs (pre, post, delta) of radiomics-clinical-synthetic', async () => {
    const served = await predict('radiomics-clinical-synthetic');
    const bundleDir = path.join(repo, 'models/radiomics-clinical-synthetic/1.0.0');
    const manifest = JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')) as {
      extraction: Record<string, string>;
    };
    const params = new Map(
      Object.entries(manifest.extraction).map(([seq, file]) => [
        seq as CohortSequence,
        { name: file, text: readFileSync(path.join(bundleDir, file), 'utf8') },
      ]),
    );
    const table = await radiomicsFeatures(
      path.join(dir, 'cohort.csv'),
      { sequences: [...params.keys()], params },
      { cacheRoot: path.join(dir, 'cache'), workers: 1 },
    );
    const row = table.patientIds.indexOf(PATIENT);
    let compared = 0;
    for (const [name, value] of served) {
      const column = table.columns.get(name);
      if (!column) continue; // clinical inputs
      assert.ok(
        Math.abs(column[row]! - value) <= 1e-12 * Math.max(1, Math.abs(value)),
        `${name}: served ${value}, training ${column[row]}`,
      );
      compared += 1;
    }
    assert.equal(compared, 13, 'every radiomics input of the bundle was compared');
  });

  it('deep components of dlr-synthetic', async () => {
    const served = await predict('dlr-synthetic');
    const { bundles } = await loadBundles(path.join(repo, 'models'), {
      trustedKeys: await readTrustedKeys(path.join(repo, 'models/trusted-publishers.jwks.json')),
      logger: createLogger('silent'),
    });
    const store = new BackboneStore(path.join(repo, 'var/backbones'));
    try {
      const bundle = bundles.find((b) => b.manifest.id === 'dlr-synthetic')!;
      const backbone = await store.get(bundle.manifest.deepBackbone!.sha256);
      const table = await deepFeatures(
        path.join(dir, 'cohort.csv'),
        backbone,
        { averageAdjacentSlices: false },
        { cacheRoot: path.join(dir, 'cache') },
      );
      const row = table.patientIds.indexOf(PATIENT);
      const pca = bundle.manifest.deepPca!;
      const joined = pca.blocks.flatMap((b) =>
        Array.from(
          { length: pca.dimension },
          (_, i) => table.columns.get(`${b}_${String(i + 1).padStart(4, '0')}`)![row]!,
        ),
      );
      const components = await bundle.deepPca!.project(joined);
      const deepInputs = [...served.keys()].filter((n) => n.startsWith('DL_pc'));
      assert.ok(deepInputs.length > 0);
      for (const name of deepInputs) {
        const training = components[Number(name.slice(5)) - 1]!;
        // The training table stores float32 backbone outputs as decimal text; 1e-6 relative covers its round trip.
        assert.ok(
          Math.abs(training - served.get(name)!) <= 1e-6 * Math.max(1, Math.abs(training)),
          `${name}: served ${served.get(name)}, training ${training}`,
        );
      }
    } finally {
      await store.close();
      for (const b of bundles) await b.close();
    }
  });
});
