/**
 * The classifier accepts any ONNX model that honours docs/onnx-contract.md, not only the heads
 * our own writer (src/model/onnx/) produces. The heads here are encoded by
 * onnx-heads.test-helper.ts, a protobuf writer that shares no code with src/model/onnx/, in the
 * shapes skl2onnx and torch.onnx.export write. Reference probabilities are the textbook logistic
 * function of b + w·x computed in float64 in this file (logisticOf), never values read back
 * from a run of the code under test.
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadBundle } from './bundle.ts';
import { createClassifier, type Classifier, type ClassifierSpec } from './classifier.ts';
import { sha256Hex } from './digest.ts';
import { MANIFEST_FILE, parseManifest, serializeManifest, validateManifest } from './manifest.ts';
import {
  logisticOf,
  sigmoidHead,
  sklearnLinearClassifierHead,
  sklearnSoftmaxHead,
  torchLogitHead,
  type LinearParams,
} from './onnx-heads.test-helper.ts';
import {
  makeTestKey,
  readManifestJson,
  shippedModelsDir,
  tempDir,
  trustedKeysWith,
  writeSignedManifest,
} from './testing.ts';

const NAMES = ['a', 'b', 'c', 'd'];

/**
 * Weights, intercept and most feature values are dyadic fractions with few bits, so float32
 * holds them exactly and every product and partial sum of b + w·x is exact in float32 too: the
 * only float32 error is then in exp/Softmax/Sigmoid, a few units in the last place (2^−24 ≈
 * 6e-8 each). The last row (0.1, 1/3, …) is not representable; rounding inputs, weights and the
 * k + 1 operations of the sum costs at most about (k + 2)·2^−24·(|b| + Σ|w_i x_i|) ≈ 6 × 6e-8 ×
 * 1.6 ≈ 6e-7 on the logit, which bounds the relative error of P = σ(z) (d ln σ / dz = 1 − σ ≤ 1).
 * Hence FLOAT32_RELATIVE = 1e-6. Float64 heads are held to 1e-12.
 */
const PARAMS: LinearParams = { weights: [0.75, -1.5, 0.25, 2], intercept: -0.5 };
const ROWS: number[][] = [
  [0, 0, 0, 0],
  [1, 0.5, -2, 0.25],
  [-1.25, 0.75, 3, -0.5],
  [2, -1, 0.5, 1.5], // z = 5.625, P ≈ 0.996
  [-3, 2, -1, -1], // z = −8, P ≈ 3.4e-4: a relative tolerance is tested where P is small
  [0.1, 1 / 3, -0.7, 0.45],
];
const FLOAT32_RELATIVE = 1e-6;
const FLOAT64_RELATIVE = 1e-12;

async function withClassifier<T>(
  bytes: Uint8Array,
  spec: Omit<ClassifierSpec, 'featureNames'> & { featureNames?: readonly string[] },
  use: (c: Classifier) => Promise<T>,
): Promise<T> {
  const classifier = await createClassifier(bytes, { featureNames: NAMES, ...spec });
  try {
    return await use(classifier);
  } finally {
    await classifier.close();
  }
}

/**
 * Asserts the classifier gives want(x) for every row, within `relative` of it or `absolute`,
 * whichever is larger; returns the largest relative error seen.
 */
async function assertMatches(
  classifier: Classifier,
  want: (x: readonly number[]) => number,
  relative: number,
  absolute = 0,
): Promise<number> {
  let worst = 0;
  for (const x of ROWS) {
    const got = await classifier.predict(x);
    const expected = want(x);
    const error = Math.abs(got - expected);
    worst = Math.max(worst, error / expected);
    assert.ok(
      error <= Math.max(relative * expected, absolute),
      `x = [${x}]: got ${got}, want ${expected} (relative error ${error / expected})`,
    );
  }
  return worst;
}

test('a scikit-learn-style Gemm→Softmax head is read as class probabilities, column 1 by default', async (t) => {
  // Batch dimension without value or name: what skl2onnx writes for FloatTensorType([None, k]).
  const bytes = sklearnSoftmaxHead(PARAMS);
  await withClassifier(
    bytes,
    { inputName: 'X', outputName: 'probabilities', outputKind: 'class-probabilities' },
    async (c) => {
      assert.equal(c.inputType, 'float32');
      assert.equal(c.outputKind, 'class-probabilities');
      const worst = await assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT32_RELATIVE);
      t.diagnostic(`max relative error ${worst.toExponential(2)}`);
    },
  );
  await withClassifier(
    bytes,
    { inputName: 'X', outputName: 'probabilities', outputKind: 'class-probabilities', positiveClass: 1 },
    (c) => assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT32_RELATIVE),
  );
  // Column 0 is the other class: 1 − P, which equals σ(−z).
  const negated: LinearParams = { weights: PARAMS.weights.map((w) => -w), intercept: -PARAMS.intercept };
  await withClassifier(
    bytes,
    { inputName: 'X', outputName: 'probabilities', outputKind: 'class-probabilities', positiveClass: 0 },
    (c) => assertMatches(c, (x) => logisticOf(negated, x), FLOAT32_RELATIVE),
  );
});

test("a scikit-learn-style LinearClassifier head (skl2onnx's ai.onnx.ml route) is read the same way", async (t) => {
  // onnxruntime's LinearClassifier computes LOGISTIC for z < 0 as 1 − σ(|z|) in float32
  // (ComputeLogistic in onnxruntime/core/providers/cpu/ml/ml_common.h): the subtraction from 1
  // leaves an absolute error up to about one float32 unit at 1, 2^−23 ≈ 1.2e-7, so small
  // probabilities (z = −8 here, P ≈ 3.4e-4) are held to that absolute bound instead.
  await withClassifier(
    sklearnLinearClassifierHead(PARAMS),
    { inputName: 'X', outputName: 'probabilities', outputKind: 'class-probabilities' },
    async (c) => {
      const worst = await assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT32_RELATIVE, 2 ** -23);
      t.diagnostic(`max relative error ${worst.toExponential(2)}`);
    },
  );
});

test('a PyTorch-style logit head (MatMul+Add or Gemm transB, dynamic "batch") gives σ(logit)', async (t) => {
  for (const gemm of [false, true]) {
    await withClassifier(
      torchLogitHead(PARAMS, { gemm }),
      { inputName: 'features', outputName: 'logit', outputKind: 'logit' },
      async (c) => {
        assert.equal(c.outputKind, 'logit');
        const worst = await assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT32_RELATIVE);
        t.diagnostic(`${gemm ? 'Gemm' : 'MatMul+Add'}: max relative error ${worst.toExponential(2)}`);
      },
    );
  }
  // A fixed batch of 1 is what torch.onnx.export writes without dynamic_axes; one row fits it.
  await withClassifier(
    torchLogitHead(PARAMS, { batch: 1 }),
    { inputName: 'features', outputName: 'logit', outputKind: 'logit' },
    (c) => assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT32_RELATIVE),
  );
});

test('a float64 Sigmoid head with a 1-D [N] output is read as the probability itself', async (t) => {
  await withClassifier(sigmoidHead(PARAMS), { inputName: 'x', outputName: 'p' }, async (c) => {
    assert.equal(c.inputType, 'float64');
    assert.equal(c.outputKind, 'probability');
    const worst = await assertMatches(c, (x) => logisticOf(PARAMS, x), FLOAT64_RELATIVE);
    t.diagnostic(`max relative error ${worst.toExponential(2)}`);
  });
});

test('heads that break the contract are refused at load with a message naming the problem', async () => {
  const refuse = (bytes: Uint8Array, spec: Omit<ClassifierSpec, 'featureNames'>, want: RegExp) =>
    assert.rejects(
      createClassifier(bytes, { featureNames: NAMES, ...spec }),
      (e: Error) => e.name === 'ClassifierError' && want.test(e.message),
    );
  const sk = { inputName: 'X', outputName: 'probabilities', outputKind: 'class-probabilities' } as const;
  const torch = { inputName: 'features', outputName: 'logit', outputKind: 'logit' } as const;
  const three: LinearParams = { weights: [1, 2, 3], intercept: 0 };

  // Wrong k: a head for 3 features offered 4 manifest inputs.
  await refuse(
    sklearnSoftmaxHead(three),
    sk,
    /input "X" must be \[N, 4\] for the 4 manifest inputs, is \[\?, 3\]$/,
  );
  await refuse(torchLogitHead(three), torch, /must be \[N, 4\] for the 4 manifest inputs, is \[batch, 3\]$/);
  // 3-D input, as a sequence model would take.
  await refuse(
    torchLogitHead(PARAMS, { inputShape: ['batch', 1, 4] }),
    torch,
    /input "features" must be \[N, 4\] for the 4 manifest inputs, is \[batch, 1, 4\] \(a 2-D tensor/,
  );
  await refuse(
    torchLogitHead(PARAMS, { inputShape: ['batch', 'k'] }),
    torch,
    /is \[batch, k\] \(the feature dimension must be fixed at 4\)/,
  );
  await refuse(
    torchLogitHead(PARAMS, { batch: 3 }),
    torch,
    /is \[3, 4\]: its batch dimension must be dynamic/,
  );

  // positiveClass beyond the declared classes, and beyond classes only known when the head runs.
  await refuse(
    sklearnSoftmaxHead(PARAMS),
    { ...sk, positiveClass: 2 },
    /positiveClass 2 is out of range: output "probabilities" has 2 class columns \(0…1\)/,
  );
  await refuse(
    sklearnSoftmaxHead(PARAMS, { classes: 'C' }),
    { ...sk, positiveClass: 2 },
    /positiveClass 2 is out of range: output "probabilities" has 2 class columns/,
  );
  await refuse(sklearnSoftmaxHead(PARAMS), { ...sk, positiveClass: -1 }, /must be an integer ≥ 0/);
  await refuse(torchLogitHead(PARAMS), { ...torch, positiveClass: 1 }, /applies only to outputKind/);

  // skl2onnx's default ZipMap output: a sequence of maps, not a tensor.
  await refuse(
    sklearnSoftmaxHead(PARAMS, { zipmap: true }),
    { ...sk, outputName: 'output_probability' },
    /output "output_probability" is not a tensor .*zipmap=False/,
  );
  // The label output holds classes.
  await refuse(
    sklearnSoftmaxHead(PARAMS),
    { ...sk, outputName: 'label' },
    /output "label" must be a float32 or float64 tensor, is int64 \(a class label/,
  );
  // Output kind and output shape disagree.
  await refuse(
    sklearnSoftmaxHead(PARAMS),
    { ...sk, outputKind: 'probability' },
    /output "probabilities" is \[\?, 2\]; outputKind "probability" needs one value per row .*use outputKind "class-probabilities"/,
  );
  await refuse(
    sigmoidHead(PARAMS),
    { inputName: 'x', outputName: 'p', outputKind: 'class-probabilities' },
    /output "p" is \[N\]; outputKind "class-probabilities" needs \[N, C\]/,
  );
  await refuse(sklearnSoftmaxHead(PARAMS), { ...sk, outputName: 'proba' }, /has no output "proba"/);
  await refuse(sklearnSoftmaxHead(PARAMS), { ...sk, inputName: 'features' }, /single input "features"/);
});

test('a "probability" that is not one is refused when the prediction is made', async () => {
  // The head forgets its Sigmoid: at load (x = 0) it gives b = 0.25, which looks like a probability.
  const params: LinearParams = { weights: [1, 0, 0, 0], intercept: 0.25 };
  await withClassifier(sigmoidHead(params, { sigmoid: false }), { inputName: 'x', outputName: 'p' }, (c) =>
    assert.rejects(c.predict([2.75, 0, 0, 0]), /output "p" is 3, not a probability in \[0, 1\]/),
  );
});

test('manifest: classifier.outputKind and positiveClass', async () => {
  const base = (await readManifestJson(join(shippedModelsDir, 'radiomics-clinical-synthetic', '1.0.0'))) as {
    classifier: Record<string, unknown>;
  };
  const withClassifier = (c: Record<string, unknown>): unknown => ({
    ...base,
    classifier: { ...base.classifier, ...c },
  });
  const reason = (c: Record<string, unknown>): string => {
    try {
      validateManifest(withClassifier(c));
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.equal(reason({ outputKind: 'logit' }), 'accepted');
  assert.equal(reason({ outputKind: 'class-probabilities' }), 'accepted');
  assert.equal(reason({ outputKind: 'class-probabilities', positiveClass: 0 }), 'accepted');
  assert.match(reason({ outputKind: 'scores' }), /classifier\.outputKind: /);
  assert.match(
    reason({ outputKind: 'class-probabilities', positiveClass: -1 }),
    /classifier\.positiveClass: /,
  );
  assert.match(
    reason({ outputKind: 'class-probabilities', positiveClass: 1.5 }),
    /classifier\.positiveClass: /,
  );
  assert.match(
    reason({ outputKind: 'logit', positiveClass: 1 }),
    /classifier\.positiveClass: applies only to outputKind "class-probabilities"/,
  );
  assert.match(reason({ positiveClas: 1 }), /classifier: unknown key "positiveClas"/);
  // No default is written into the data: the field stays absent unless given.
  const parsed = validateManifest(withClassifier({ outputKind: 'class-probabilities' }));
  assert.equal('positiveClass' in parsed.classifier, false);
});

test('every shipped manifest still validates and serializes to its exact bytes', async () => {
  for (const id of (await readdir(shippedModelsDir, { withFileTypes: true })).filter((d) =>
    d.isDirectory(),
  )) {
    for (const version of await readdir(join(shippedModelsDir, id.name))) {
      const bytes = new Uint8Array(await readFile(join(shippedModelsDir, id.name, version, MANIFEST_FILE)));
      assert.deepEqual(serializeManifest(parseManifest(bytes)), bytes, `${id.name}/${version}`);
    }
  }
});

const tmp: string[] = [];
after(async () => {
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
});

test('a signed bundle whose classifier is a scikit-learn-style head predicts the logistic model', async () => {
  const parent = await tempDir('axilla-onnx-heads-');
  tmp.push(parent);
  const dir = join(parent, 'radiomics-clinical-synthetic', '1.0.0');
  await cp(join(shippedModelsDir, 'radiomics-clinical-synthetic', '1.0.0'), dir, { recursive: true });
  const manifest = (await readManifestJson(dir)) as {
    inputs: { name: string }[];
    classifier: Record<string, unknown>;
    files: { path: string; sha256: string; role: string }[];
    coefficients?: unknown;
  };
  const names = manifest.inputs.map((i) => i.name);
  // Dyadic weights in [−1, 1] (exact in float32), raw features: no z-scoring in this graph.
  const params: LinearParams = {
    weights: names.map((_, i) => ((i % 9) - 4) / 4 + (i % 2 ? 0.125 : 0)),
    intercept: 0.375,
  };
  const bytes = sklearnSoftmaxHead(params);
  const classifierFile = manifest.files.find((f) => f.role === 'classifier')!;
  await writeFile(join(dir, classifierFile.path), bytes);
  classifierFile.sha256 = sha256Hex(bytes);
  manifest.classifier = {
    file: classifierFile.path,
    inputName: 'X',
    outputName: 'probabilities',
    outputKind: 'class-probabilities',
    positiveClass: 1,
  };
  manifest.coefficients = {
    intercept: params.intercept,
    weights: Object.fromEntries(names.map((n, i) => [n, params.weights[i]!])),
    derivation: 'test head with known weights on raw features (onnx-heads.test.ts)',
  };
  const key = await makeTestKey('onnx-heads-test');
  await writeSignedManifest(dir, manifest, key);

  const bundle = await loadBundle(dir, { trustedKeys: await trustedKeysWith(key) });
  try {
    assert.equal(bundle.manifest.classifier.outputKind, 'class-probabilities');
    assert.equal(bundle.manifest.classifier.positiveClass, 1);
    const rows = [
      names.map(() => 0),
      names.map((_, i) => ((i % 5) - 2) / 8),
      names.map((_, i) => (i % 3 === 0 ? 0.5 : -0.25)),
    ];
    for (const x of rows) {
      const want = logisticOf(params, x);
      const got = await bundle.predict(x);
      assert.ok(
        Math.abs(got - want) <= FLOAT32_RELATIVE * want,
        `x = [${x}]: bundle.predict ${got}, logistic model ${want}`,
      );
    }
  } finally {
    await bundle.close();
  }
});
