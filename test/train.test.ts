/**
 * The research path on cohorts drawn from the synthetic generating model (features built from
 * each patient's latent response r, src/train/train-fixtures.test-helper.ts): training must
 * recover the true signal features, reach a validation AUC near the generator's ceiling (the
 * AUC of the true probabilities on the same patients), and the signed bundle the service loads
 * must give the training code's probabilities to 1e-9.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBundle } from '../src/model/bundle.ts';
import { makeTestKey, trustedKeysWith, type TestKey } from '../src/model/testing.ts';
import { fitLogistic, predictLogistic } from '../src/stats/logistic.ts';
import { matrixFromColumns } from '../src/stats/matrix.ts';
import { auc } from '../src/stats/roc.ts';
import { exportBundle } from '../src/train/export-bundle.ts';
import {
  NOISE_FEATURES,
  REDUNDANT_COPY,
  SIGNAL_FEATURES,
  writeSignalCohort,
  type SignalCohort,
} from '../src/train/train-fixtures.test-helper.ts';
import { train, type TrainedModel } from '../src/train/train.ts';
import { validateTrainConfig, type TrainConfig } from '../src/train/train-config.ts';

const repo = path.resolve(import.meta.dirname, '..');
let dir: string;
let trainCohort: SignalCohort;
let validationCohort: SignalCohort;
let key: TestKey;
let keyPath: string;

function config(kind: TrainConfig['model']['kind'], extra: Record<string, unknown> = {}): TrainConfig {
  const radiomics = {
    sequences: ['DCE', 'DWI', 'T2'],
    timePoints: ['pre', 'post', 'delta'],
    params: path.join(repo, 'params/mri-study.yaml'),
  };
  const deep = { components: 6 };
  const clinical = {
    candidates: ['ER_positive', 'PR_positive', 'HER2_positive', 'Ki67_percent', 'cT_T2', 'cT_T3', 'cT_T4'],
  };
  const features = {
    clinical: { clinical },
    radiomics: { radiomics },
    dl: { deep },
    dlr: { radiomics, deep, clinical },
    'radiomics-clinical': { radiomics, clinical },
  }[kind];
  return validateTrainConfig(
    {
      model: {
        id: `${kind}-test`,
        version: '1.0.0',
        name: `${kind} test model`,
        kind,
        intendedUse: 'tests only',
        publisher: 'tests',
      },
      training: {
        manifest: trainCohort.manifest,
        radiomicsTable: trainCohort.radiomicsTable,
        deepTable: trainCohort.deepTable,
      },
      validation: {
        manifest: validationCohort.manifest,
        radiomicsTable: validationCohort.radiomicsTable,
        deepTable: validationCohort.deepTable,
      },
      seed: 'train-test',
      features,
      evaluation: { bootstrap: 100, differenceTest: 200, compareClassifiers: false },
      ...extra,
    },
    dir,
  );
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'axilla-train-'));
  const t = path.join(dir, 'train');
  const v = path.join(dir, 'validation');
  for (const d of [t, v]) rmSync(d, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(t);
  (await import('node:fs')).mkdirSync(v);
  trainCohort = writeSignalCohort(t, 'signal-train', 600);
  validationCohort = writeSignalCohort(v, 'signal-validation', 300);
  key = await makeTestKey('train-test');
  keyPath = path.join(dir, 'key.json');
  writeFileSync(keyPath, JSON.stringify(key.privateJwk));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The best a model trained on the training cohort can do with these features: a logistic
 * regression that knows which columns carry signal (the generator's signal features and its
 * clinical predictors), fitted on the training cohort and scored on the validation cohort.
 */
function oracleValidationAuc(): number {
  const design = (c: SignalCohort) => {
    const table = readFileSync(c.radiomicsTable, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const header = table[0]!;
    const signal = Object.keys(SIGNAL_FEATURES).map((n) =>
      table.slice(1).map((l) => Number(l[header.indexOf(n)])),
    );
    const clinical = (['ER_positive', 'HER2_positive', 'cT_T2', 'cT_T3', 'cT_T4'] as const).map((n) =>
      c.patients.map((p) => p.features[n]),
    );
    return { X: matrixFromColumns([...signal, ...clinical]), y: c.patients.map((p) => (p.apcr ? 1 : 0)) };
  };
  const t = design(trainCohort);
  const v = design(validationCohort);
  return auc(predictLogistic(fitLogistic(t.X, t.y), v.X), v.y);
}

/** AUC of the generator's true P(apCR | clinical, r) on the cohort's own outcomes. */
function generatorCeiling(c: SignalCohort): number {
  return auc(
    c.patients.map((p) => p.apcrProbability),
    c.patients.map((p) => (p.apcr ? 1 : 0)),
  );
}

async function servedEqualsTraining(model: TrainedModel, kind: string): Promise<number> {
  const out = path.join(dir, 'models', `${kind}-test`, '1.0.0');
  const bundle = await exportBundle(model, {
    outDir: out,
    privateKeyPath: keyPath,
    createdAt: '2026-11-23T00:00:00Z',
  });
  const loaded = await loadBundle(out, { trustedKeys: await trustedKeysWith(key) });
  try {
    assert.equal(loaded.digest, bundle.digest);
    let worst = 0;
    for (const [id, x] of model.trainingInputs) {
      const served = await loaded.predict(x);
      worst = Math.max(worst, Math.abs(served - model.trainingProbabilities.get(id)!));
    }
    for (const [id, x] of model.validationInputs ?? []) {
      worst = Math.max(worst, Math.abs((await loaded.predict(x)) - model.validationProbabilities!.get(id)!));
    }
    return worst;
  } finally {
    await loaded.close();
  }
}

describe('axilla train on a cohort from the generating model', () => {
  let model: TrainedModel;
  before(async () => {
    model = await train(config('radiomics-clinical'));
  });

  it('keeps the true signal features and drops the redundant copy', () => {
    const lasso = model.report.lasso!;
    const signal = Object.keys(SIGNAL_FEATURES);
    const found = lasso.selected.filter((n) => signal.includes(n) || n === REDUNDANT_COPY);
    assert.ok(
      found.length >= 2,
      `LASSO selected ${lasso.selected.join(', ')}; expected at least 2 of ${signal.join(', ')}`,
    );
    const spearman = model.report.steps.find((s) => s.step === 'spearman')!;
    assert.ok(
      !spearman.kept.includes(REDUNDANT_COPY) || !spearman.kept.includes(signal[0]!),
      'the near-copy of a signal feature survived Spearman redundancy removal next to it',
    );
    // Signs follow the generator: more shrinkage (negative delta volume) and a larger ADC rise mean apCR.
    for (const n of found) {
      const sign = Math.sign(lasso.coefficients[n]!);
      assert.equal(
        sign,
        Math.sign((SIGNAL_FEATURES[n] ?? SIGNAL_FEATURES[signal[0]!]!).slope),
        `${n}: LASSO coefficient ${lasso.coefficients[n]} has the wrong sign`,
      );
    }
    // Pure-noise features pass Mann–Whitney at p < 0.05 by chance (about 5 % of them) and
    // lambda.min may keep some, but the heaviest weights belong to true signal features.
    const noise = lasso.selected.filter((n) => n.includes('Noise'));
    assert.ok(
      noise.length <= 0.1 * NOISE_FEATURES,
      `LASSO kept ${noise.length} of ${NOISE_FEATURES} noise features`,
    );
    const heaviest = [...lasso.selected]
      .sort((a, b) => Math.abs(lasso.coefficients[b]!) - Math.abs(lasso.coefficients[a]!))
      .slice(0, 2);
    assert.ok(
      heaviest.every((n) => found.includes(n)),
      `heaviest LASSO weights: ${heaviest.join(', ')}`,
    );
  });

  it('reaches a validation AUC near the ceiling the features allow', () => {
    const validationAuc = model.report.evaluation.validation!.scores.probability!.auc;
    const oracle = oracleValidationAuc();
    const top = generatorCeiling(validationCohort);
    const figures = `validation AUC ${validationAuc.toFixed(3)}, oracle trained on the true signal features ${oracle.toFixed(3)}, generator ceiling (true r) ${top.toFixed(3)}`;
    assert.ok(validationAuc > oracle - 0.04, figures);
    assert.ok(validationAuc <= top + 0.01, `${figures}: above the generator ceiling, leakage?`);
  });

  it('satisfies the LASSO KKT conditions at the chosen lambda', () => {
    assert.ok(
      model.report.lasso!.kkt.max_violation < 1e-6 * Math.max(1, model.report.lasso!.lambda_used) * 10,
    );
  });

  it('reports the fields the issue names', () => {
    const r = model.report;
    for (const k of ['lambda_min', 'lambda_1se', 'lambda_used', 'selected', 'coefficients'] as const)
      assert.ok(k in r.lasso!, k);
    assert.ok(
      r.final.coefficients.every(
        (c) => c.odds_ratio_ci[0] <= c.odds_ratio && c.odds_ratio <= c.odds_ratio_ci[1],
      ),
    );
    assert.deepEqual(r.final.coefficients.map((c) => c.name)[0], 'radscore');
    assert.ok(r.evaluation.optimism!.corrected <= r.evaluation.optimism!.apparent + 1e-12);
    assert.equal(r.evaluation.auc_difference!.resamples, 200);
  });

  it('serves the same probabilities from the signed bundle (ONNX head, composed radiomics score) to 1e-9', async () => {
    const worst = await servedEqualsTraining(model, 'radiomics-clinical');
    assert.ok(worst < 1e-9, `largest difference ${worst}`);
    const manifest = JSON.parse(
      readFileSync(path.join(dir, 'models/radiomics-clinical-test/1.0.0/manifest.json'), 'utf8'),
    );
    assert.equal(manifest.threshold.method, 'youden');
    assert.equal(manifest.metrics.validation.n, 300);
  });
});

describe('axilla train with deep features (PCA)', () => {
  it('serves a DL bundle whose PCA and head reproduce the training code to 1e-9', async () => {
    const model = await train(config('dl'));
    assert.ok(model.pca, 'a PCA was fitted');
    const worst = await servedEqualsTraining(model, 'dl');
    assert.ok(worst < 1e-9, `largest difference ${worst}`);
    // The bundle's PCA ONNX gives the component scores the training code used.
    const out = path.join(dir, 'models', 'dl-test', '1.0.0');
    const loaded = await loadBundle(out, { trustedKeys: await trustedKeysWith(key) });
    try {
      const deepInputs = model.inputs.map((i, j) => [i, j] as const).filter(([i]) => i.source === 'deep');
      assert.ok(loaded.deepPca);
      const deepTable = readFileSync(trainCohort.deepTable, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const header = deepTable[0]!;
      for (const line of deepTable.slice(1, 11)) {
        const raw = model.pca!.inputNames.map((n) => Number(line[header.indexOf(n)]));
        const scores = await loaded.deepPca!.project(raw);
        const x = model.trainingInputs.get(line[0]!)!;
        for (const [input, j] of deepInputs) {
          const c = Number(input.name.slice(5)) - 1;
          assert.ok(
            Math.abs(scores[c]! - x[j]!) < 1e-9 * Math.max(1, Math.abs(x[j]!)),
            `${input.name}: ${scores[c]} vs ${x[j]}`,
          );
        }
      }
    } finally {
      await loaded.close();
    }
  });
});

describe('axilla train, DLR (radiomics, deep PCA and clinical)', () => {
  it('serves the DLR bundle with the training code probabilities to 1e-9', async () => {
    const model = await train(config('dlr'));
    assert.ok(
      model.inputs.some((i) => i.source === 'clinical'),
      'clinical predictors kept',
    );
    assert.ok(
      model.inputs.some((i) => i.source === 'radiomics'),
      'radiomics predictors kept',
    );
    const worst = await servedEqualsTraining(model, 'dlr');
    assert.ok(worst < 1e-9, `largest difference ${worst}`);
  });
});

describe('axilla train refuses bad configurations', () => {
  it('names the key of an unknown or inconsistent setting', () => {
    assert.throws(
      () => config('radiomics', { selection: { spearman: 0.8 } }),
      /selection: unknown key "spearman"/,
    );
    assert.throws(
      () =>
        validateTrainConfig(
          {
            model: {
              id: 'x',
              version: '1.0.0',
              name: 'x',
              kind: 'clinical',
              intendedUse: 'x',
              publisher: 'x',
            },
            training: { manifest: 'm.csv' },
            seed: 's',
            features: {},
          },
          dir,
        ),
      /features.clinical: required for a clinical model/,
    );
  });
});

describe('axilla train on the command line', () => {
  it('writes a signed bundle with its reports and prints a JSON summary', async () => {
    const { spawnSync } = await import('node:child_process');
    const { stringify } = await import('yaml');
    const configPath = path.join(dir, 'clinical.yaml');
    const plain = config('clinical');
    writeFileSync(
      configPath,
      stringify({ ...plain, evaluation: { bootstrap: 50, differenceTest: 50, compareClassifiers: false } }),
    );
    const out = path.join(dir, 'cli-models', 'clinical-test', '1.0.0');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), ...args], {
        cwd: repo,
        encoding: 'utf8',
      });
    const ok = run(['train', '--config', configPath, '--out', out, '--key', keyPath, '--format', 'json']);
    assert.equal(ok.status, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout) as {
      id: string;
      digest: string;
      inputs: string[];
      validation_auc: number;
    };
    assert.equal(summary.id, 'clinical-test');
    assert.ok(summary.inputs.length > 0 && summary.validation_auc > 0.5);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      files: { path: string }[];
    };
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), [
      'README.md',
      'classifier.onnx',
      'training-report.html',
      'training-report.json',
    ]);
    assert.match(readFileSync(path.join(out, 'training-report.html'), 'utf8'), /data-plot="roc"/);
    assert.match(ok.stderr, /train: evaluation/);

    const wrongOut = run([
      'train',
      '--config',
      configPath,
      '--out',
      path.join(dir, 'elsewhere'),
      '--key',
      keyPath,
    ]);
    assert.equal(wrongOut.status, 2);
    assert.match(wrongOut.stderr, /--out must end in clinical-test\/1\.0\.0/);
    writeFileSync(configPath, 'model: [\n');
    const bad = run(['train', '--config', configPath, '--out', out, '--key', keyPath]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /is not valid YAML/);
  });
});
