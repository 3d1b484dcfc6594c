import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sha256Hex } from '../model/digest.ts';
import {
  AttributeType,
  encodeModel,
  TensorDataType,
  valueInfo,
  type ValueInfo,
} from '../model/onnx/onnx-schema.ts';
import {
  BACKBONE_FEATURE_LENGTH,
  BACKBONE_IMAGE_VALUES,
  BackboneError,
  ensureDemoBackbone,
  loadBackbone,
  readModelMetadata,
  type Backbone,
} from './backbone.ts';
import { METADATA_WEIGHTS_KEY } from './resnet50-graph.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'axilla-backbone-test-'));
let demo: { path: string; sha256: string };
let backbone: Backbone;

before(async () => {
  demo = await ensureDemoBackbone(dir);
  backbone = await loadBackbone(demo.path, demo.sha256);
});

after(async () => {
  await backbone?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PLANE = 224 * 224;

/**
 * Deterministic test images of unit-order values like normalised inputs: a smooth pattern, a
 * bright disc on a dark background, and a checkerboard, each with a seeded LCG texture.
 */
function testImage(kind: 'smooth' | 'disc' | 'checker', seed = 12345): Float32Array {
  const image = new Float32Array(BACKBONE_IMAGE_VALUES);
  let state = seed >>> 0;
  for (let n = 0; n < image.length; n += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // Numerical Recipes LCG
    const noise = 0.2 * (state / 2 ** 32 - 0.5);
    const i = n % 224;
    const j = Math.floor((n % PLANE) / 224);
    const c = Math.floor(n / PLANE);
    const value =
      kind === 'smooth'
        ? Math.sin(i / 20 + c) + Math.cos(j / 30)
        : kind === 'disc'
          ? Math.hypot(i - 112, j - 112) < 40
            ? 1.5
            : -1
          : ((i >> 4) + (j >> 4)) % 2
            ? 1
            : -1;
    image[n] = value + noise;
  }
  return image;
}

const stats = (v: Float32Array) => {
  let sum = 0;
  let sq = 0;
  for (const x of v) {
    sum += x;
    sq += x * x;
  }
  const mean = sum / v.length;
  return { mean, sd: Math.sqrt(sq / v.length - mean * mean) };
};

/** Pearson correlation of two feature vectors. */
function correlation(a: Float32Array, b: Float32Array): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let n = 0; n < a.length; n += 1) {
    ab += (a[n]! - ma) * (b[n]! - mb);
    aa += (a[n]! - ma) ** 2;
    bb += (b[n]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('ensureDemoBackbone writes the file once, names its SHA-256, and reuses it', async () => {
  assert.equal(path.basename(demo.path), 'resnet50-demo-v1.onnx');
  assert.equal(sha256Hex(readFileSync(demo.path)), demo.sha256);
  const mtime = statSync(demo.path).mtimeMs;
  const again = await ensureDemoBackbone(dir);
  assert.deepEqual(again, demo);
  assert.equal(statSync(demo.path).mtimeMs, mtime, 'reused, not rewritten');
  // A damaged file no longer matches its recorded digest and is regenerated to the same bytes.
  appendFileSync(demo.path, Buffer.from([0]));
  const repaired = await ensureDemoBackbone(dir);
  assert.equal(repaired.sha256, demo.sha256);
  assert.equal(sha256Hex(readFileSync(demo.path)), demo.sha256);
});

test('the demo backbone says it is one', () => {
  assert.equal(backbone.isDemo, true);
  assert.match(backbone.label, /demo weights/);
  assert.match(backbone.label, /not ImageNet/);
  assert.equal(backbone.sha256, demo.sha256);
  assert.match(readModelMetadata(readFileSync(demo.path))[METADATA_WEIGHTS_KEY] ?? '', /NOT ImageNet/);
});

test('a real onnxruntime run: 2048 finite, non-degenerate features that depend on the input', async () => {
  const images = [testImage('smooth'), testImage('disc'), testImage('checker')];
  const batch = new Float32Array(images.length * BACKBONE_IMAGE_VALUES);
  images.forEach((image, m) => batch.set(image, m * BACKBONE_IMAGE_VALUES));
  const features = await backbone.run(batch, images.length);
  assert.equal(features.length, 3);
  for (const f of features) {
    assert.equal(f.length, BACKBONE_FEATURE_LENGTH);
    assert.ok(
      f.every((x) => Number.isFinite(x) && x >= 0),
      'pooled ReLU outputs are finite and ≥ 0',
    );
    const { mean, sd } = stats(f);
    const alive = f.filter((x) => x > 0).length;
    console.log(`features: mean ${mean.toFixed(3)}, sd ${sd.toFixed(3)}, channels > 0: ${alive}`);
    // Through 16 blocks activations neither vanish nor explode, and the channels differ.
    assert.ok(mean > 1e-3 && mean < 1e3, `mean ${mean}`);
    assert.ok(sd > 0.1 * mean, 'not all equal');
    assert.ok(alive > 0.9 * BACKBONE_FEATURE_LENGTH, 'most channels alive');
  }
  // Unrelated images give unrelated feature patterns (a network dominated by fixed per-channel
  // offsets would correlate > 0.95 here; see resnet50-graph.ts on filter centring).
  const [smooth, disc, checker] = features as [Float32Array, Float32Array, Float32Array];
  for (const [a, b] of [
    [smooth, disc],
    [smooth, checker],
    [disc, checker],
  ] as const) {
    assert.ok(Math.abs(correlation(a, b)) < 0.5, `correlation ${correlation(a, b)}`);
  }
  // Zero biases and ReLU / max-pool / average-pool make the demo network positively homogeneous:
  // features(2x) = 2 features(x). Also checks that batching does not change an image's answer.
  const doubled = images[1]!.map((x) => 2 * x);
  const [twice] = await backbone.run(doubled, 1);
  twice!.forEach((x, n) =>
    assert.ok(Math.abs(x - 2 * disc[n]!) <= 1e-4 * (1 + Math.abs(x)), `feature ${n}: ${x} vs 2 × ${disc[n]}`),
  );
});

test('a file with another SHA-256 than expected is refused', async () => {
  await assert.rejects(
    loadBackbone(demo.path, 'ab'.repeat(32)),
    (e: unknown) => e instanceof BackboneError && /SHA-256 .* not the expected/.test(e.message),
  );
});

test('run checks the batch size', async () => {
  await assert.rejects(backbone.run(new Float32Array(10), 1), RangeError);
});

// --- small hand-written models for the signature checks -------------------------------------------

function tensorInfo(name: string, dims: (number | string)[]): ValueInfo {
  return valueInfo(name, TensorDataType.FLOAT, dims);
}

/**
 * input [batch,3,size,size] → (optional 1×1 Conv to `channels`) → GlobalAveragePool → Flatten → output.
 * Conv weight W[f, c] = (f + 1) when c = f mod 3, else 0: feature f = (f + 1) × mean of channel f mod 3.
 */
function smallModel(file: string, batch: number | string, size: number, channels: number | null): string {
  const nodes = [];
  const initializer = [];
  let x = 'images';
  if (channels !== null) {
    const w = new Float32Array(channels * 3);
    for (let f = 0; f < channels; f += 1) w[f * 3 + (f % 3)] = f + 1;
    initializer.push({
      name: 'w',
      dims: [channels, 3, 1, 1],
      dataType: TensorDataType.FLOAT,
      rawData: new Uint8Array(w.buffer),
    });
    nodes.push({
      opType: 'Conv',
      name: 'conv',
      input: [x, 'w'],
      output: ['conv'],
      attribute: [{ name: 'kernel_shape', type: AttributeType.INTS, ints: [1, 1] }],
    });
    x = 'conv';
  }
  nodes.push({ opType: 'GlobalAveragePool', name: 'gap', input: [x], output: ['gap'] });
  nodes.push({
    opType: 'Flatten',
    name: 'flat',
    input: ['gap'],
    output: ['pooled'],
    attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
  });
  const bytes = encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'small',
      node: nodes,
      initializer,
      input: [tensorInfo('images', [batch, 3, size, size])],
      output: [tensorInfo('pooled', [batch, channels ?? 3])],
    },
  });
  const target = path.join(dir, file);
  writeFileSync(target, bytes);
  return target;
}

test('a site model with other names and a fixed batch of 1 is accepted and run image by image', async () => {
  const file = smallModel('site.onnx', 1, 224, 2048);
  const site = await loadBackbone(file, sha256Hex(readFileSync(file)));
  try {
    assert.equal(site.isDemo, false);
    assert.match(site.label, /site backbone site\.onnx/);
    // Three constant images: channel c of image m holds m + c/10, so feature f = (f + 1)(m + (f mod 3)/10)
    // (up to float32 accumulation over 224² values in the pooling: 1e-3 relative).
    const batch = new Float32Array(3 * BACKBONE_IMAGE_VALUES);
    for (let m = 0; m < 3; m += 1)
      for (let c = 0; c < 3; c += 1)
        batch.fill(
          m + c / 10,
          m * BACKBONE_IMAGE_VALUES + c * 224 * 224,
          m * BACKBONE_IMAGE_VALUES + (c + 1) * 224 * 224,
        );
    const out = await site.run(batch, 3);
    assert.equal(out.length, 3);
    out.forEach((f, m) => {
      for (const n of [0, 1, 2, 1000, 2047]) {
        const expected = (n + 1) * (m + (n % 3) / 10);
        assert.ok(
          Math.abs(f[n]! - expected) <= 1e-3 * expected + 1e-6,
          `image ${m} feature ${n}: ${f[n]} vs ${expected}`,
        );
      }
    });
  } finally {
    await site.close();
  }
});

test('a model with the wrong output or input shape is refused with the expected shape in the message', async () => {
  await assert.rejects(
    loadBackbone(smallModel('three.onnx', 'N', 224, null)),
    (e: unknown) =>
      e instanceof BackboneError &&
      /must be float32 \[N, 2048\]/.test(e.message) &&
      /\[N, 3\]/.test(e.message),
  );
  await assert.rejects(
    loadBackbone(smallModel('small-input.onnx', 'N', 128, 2048)),
    (e: unknown) =>
      e instanceof BackboneError &&
      /must be float32 \[N, 3, 224, 224\], is float32 \[N, 3, 128, 128\]/.test(e.message),
  );
  await assert.rejects(
    loadBackbone(path.join(dir, 'absent.onnx')),
    (e: unknown) => e instanceof BackboneError && /cannot be read/.test(e.message),
  );
});
