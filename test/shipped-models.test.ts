/**
 * The bundles shipped in models/: every one verifies against the committed trusted keys; the
 * trained ones carry their training report, and the figures in their manifests are the
 * report's own; the service can serve every one of them, the imaging bundles through the
 * imaging pipeline.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadBundles } from '../src/model/bundle.ts';
import { createModelRegistry } from '../src/model/registry.ts';
import { readTrustedKeys } from '../src/model/signature.ts';
import { committedTrustedKeysPath, shippedModelsDir } from '../src/model/testing.ts';
import type { AuditStore } from '../src/store/audit-store.ts';
import type { TrainingReport } from '../src/train/training-report.ts';
import { silentLogger } from '../src/util/logger.ts';

const TRAINED = [
  'clinical-synthetic',
  'dl-synthetic',
  'dlr-synthetic',
  'radiomics-clinical-synthetic',
  'radiomics-synthetic',
];

describe('shipped model bundles', () => {
  it('all verify, and the trained ones agree with their training reports', async () => {
    const { bundles, refused } = await loadBundles(shippedModelsDir, {
      trustedKeys: await readTrustedKeys(committedTrustedKeysPath),
    });
    try {
      assert.deepEqual(refused, []);
      const ids = bundles.map((b) => b.manifest.id);
      for (const id of TRAINED) assert.ok(ids.includes(id), `${id} is shipped`);
      for (const b of bundles.filter((x) => TRAINED.includes(x.manifest.id))) {
        const report = JSON.parse(
          readFileSync(path.join(b.dir, 'training-report.json'), 'utf8'),
        ) as TrainingReport;
        const m = b.manifest;
        assert.equal(report.model.kind, m.kind);
        assert.deepEqual(
          m.inputs.map((i) => i.name),
          report.final.coefficients.flatMap((c) =>
            c.name === 'radscore' ? Object.keys(report.final.radscore!.coefficients) : [c.name],
          ),
          `${m.id}: inputs are the final model's predictors`,
        );
        assert.ok(m.threshold !== 'not available' && m.threshold.value === report.final.threshold.value);
        assert.ok(
          m.metrics.training !== 'not available' &&
            m.metrics.training.auc === report.evaluation.training.scores.probability!.auc,
        );
        assert.ok(
          m.metrics.validation !== 'not available' &&
            m.metrics.validation.auc === report.evaluation.validation!.scores.probability!.auc,
        );
        const validation = m.metrics.validation;
        assert.ok(typeof validation === 'object' && validation.n === 110 && m.trainingData.n === 144);
        if (m.inputs.some((i) => i.source === 'deep')) {
          assert.ok(b.deepPca, `${m.id}: deep inputs come with the PCA`);
          assert.equal(b.deepPca.inputLength, 3 * 2048);
        }
        if (m.kind === 'clinical') {
          // Clinical inputs are not rescaled, so the manifest's coefficients are the head's own:
          // the served probability is σ(b + Σ wᵢxᵢ) for every combination of the binary inputs.
          const c = m.coefficients!;
          for (let mask = 0; mask < 1 << m.inputs.length; mask++) {
            const x = m.inputs.map((_, j) => (mask >> j) & 1);
            const eta = m.inputs.reduce((s, input, j) => s + c.weights[input.name]! * x[j]!, c.intercept);
            assert.ok(Math.abs((await b.predict(x)) - 1 / (1 + Math.exp(-eta))) < 1e-12);
          }
        }
      }
    } finally {
      for (const b of bundles) await b.close();
    }
  });

  it('every shipped bundle is served; imaging bundles are prepared for the imaging pipeline', async () => {
    const entries: unknown[] = [];
    const audit = { append: (e: unknown) => (entries.push(e), e) } as unknown as AuditStore;
    const registry = await createModelRegistry(
      {
        dir: shippedModelsDir,
        trustedKeys: committedTrustedKeysPath,
        active: 'radiomics-clinical-synthetic',
      } as never,
      silentLogger,
      audit,
    );
    try {
      assert.equal(registry.active()?.manifest.id, 'radiomics-clinical-synthetic');
      assert.equal(registry.latest('clinical-synthetic')?.manifest.id, 'clinical-synthetic');
      assert.deepEqual(registry.refused, []);
      assert.deepEqual(registry.notServed, []);
      // The imaging models, by id, with what their inputs ask of the images.
      const imaging = new Map([...registry.imaging.values()].map((m) => [m.bundle.manifest.id, m]));
      assert.deepEqual([...imaging.keys()].sort(), [
        'dl-synthetic',
        'dlr-synthetic',
        'radiomics-clinical-synthetic',
        'radiomics-synthetic',
      ]);
      assert.equal(imaging.get('dl-synthetic')!.needs.deep, true);
      assert.deepEqual(imaging.get('dl-synthetic')!.needs.sequences.post, ['DCE', 'DWI', 'T2']);
      assert.equal(imaging.get('radiomics-clinical-synthetic')!.needs.deep, false);
      assert.equal(entries.length, 0, 'nothing refused, nothing audited as refused');
    } finally {
      await registry.close();
    }
  });
});
