import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Hex } from '../model/digest.ts';
import {
  decodeModel,
  type AttributeObject,
  type NodeObject,
  type TensorObject,
} from '../model/onnx/onnx-schema.ts';
import {
  buildResnet50,
  DEMO_GENERATOR_VERSION,
  METADATA_GENERATOR_KEY,
  METADATA_WEIGHTS_KEY,
  RESIDUAL_BRANCH_SCALE,
} from './resnet50-graph.ts';

const started = performance.now();
const bytes = buildResnet50({ seed: 7 });
const buildMs = performance.now() - started;
const model = decodeModel(bytes);
const nodes = model.graph.node;
const initializers = new Map<string, TensorObject>((model.graph.initializer ?? []).map((t) => [t.name!, t]));

const attribute = (node: NodeObject, name: string): AttributeObject | undefined =>
  node.attribute?.find((a) => a.name === name);
const product = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);
/** raw_data is little-endian float32 (onnx.proto), read so whatever the host's byte order. */
const floats = (t: TensorObject): Float32Array => {
  const raw = t.rawData!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, n) => view.getFloat32(4 * n, true));
};

test('writing the ~94 MB model takes seconds, not minutes', () => {
  console.log(`buildResnet50: ${(bytes.length / 1e6).toFixed(1)} MB in ${buildMs.toFixed(0)} ms`);
  assert.ok(bytes.length > 90e6 && bytes.length < 100e6, `${bytes.length} bytes`);
  // Generous bound for a shared 2-core machine; a generator that regressed to per-value objects
  // or DataView writes of every float would exceed it.
  assert.ok(buildMs < 15_000, `${buildMs} ms`);
});

test('opset 17 graph: input [N,3,224,224] → features [N,2048], demo-weights metadata', () => {
  assert.equal(model.irVersion, 8);
  assert.deepEqual(
    model.opsetImport.map((o) => [o.domain ?? '', o.version]),
    [['', 17]],
  );
  const dims = (v: (typeof model.graph.input)[number]) =>
    v.type?.tensorType?.shape?.dim?.map((d) => d.dimValue ?? d.dimParam);
  assert.deepEqual(
    model.graph.input.map((v) => [v.name, dims(v)]),
    [['input', ['N', 3, 224, 224]]],
  );
  assert.deepEqual(
    model.graph.output.map((v) => [v.name, dims(v)]),
    [['features', ['N', 2048]]],
  );
  const metadata = Object.fromEntries((model.metadataProps ?? []).map((e) => [e.key, e.value]));
  assert.match(metadata[METADATA_WEIGHTS_KEY] ?? '', /NOT ImageNet/);
  assert.equal(metadata[METADATA_GENERATOR_KEY], DEMO_GENERATOR_VERSION);
});

test('ResNet-50 layout: 53 convolutions, 16 residual additions, strides where torchvision v1.5 puts them', () => {
  const count = (op: string) => nodes.filter((n) => n.opType === op).length;
  // 53 = stem + 3 convs × 16 bottlenecks + 4 projection shortcuts (He et al. 2016, table 1: 3+4+6+3 blocks).
  assert.equal(count('Conv'), 53);
  assert.equal(count('Add'), 16);
  assert.equal(count('Relu'), 1 + 3 * 16);
  assert.equal(count('MaxPool'), 1);
  assert.equal(count('GlobalAveragePool'), 1);
  assert.equal(count('Flatten'), 1);
  assert.equal(count('BatchNormalization'), 0, 'batch norm is folded into conv bias');
  assert.equal(count('Gemm') + count('MatMul'), 0, 'no fc layer');

  const convs = nodes.filter((n) => n.opType === 'Conv');
  const kernels = (k: number) => convs.filter((n) => attribute(n, 'kernel_shape')?.ints?.[0] === k).length;
  assert.deepEqual([kernels(7), kernels(3), kernels(1)], [1, 16, 36]);
  const strided = convs
    .filter((n) => attribute(n, 'strides')?.ints?.[0] === 2)
    .map((n) => n.name)
    .sort();
  // v1.5: the stride of a stage's first block sits on its 3×3 conv (and the projection), not on conv1.
  assert.deepEqual(
    strided,
    [
      'conv1',
      'layer2.0.conv2',
      'layer2.0.downsample.0',
      'layer3.0.conv2',
      'layer3.0.downsample.0',
      'layer4.0.conv2',
      'layer4.0.downsample.0',
    ].sort(),
  );
  // Padding keeps 3×3 and 7×7 convolutions "same": torchvision's padding=1 and padding=3.
  assert.deepEqual(
    attribute(
      convs.find((n) => n.name === 'conv1')!,
      'pads',
    )?.ints,
    [3, 3, 3, 3],
  );
  assert.deepEqual(
    attribute(
      convs.find((n) => n.name === 'layer3.2.conv2')!,
      'pads',
    )?.ints,
    [1, 1, 1, 1],
  );
  const pool = nodes.find((n) => n.opType === 'MaxPool')!;
  assert.deepEqual(
    ['kernel_shape', 'strides', 'pads'].map((a) => attribute(pool, a)?.ints),
    [
      [3, 3],
      [2, 2],
      [1, 1, 1, 1],
    ],
  );
  // Stage widths: the last conv of each stage's blocks outputs 4 × (64, 128, 256, 512) channels.
  const outChannels = (name: string) => initializers.get(`${name}.weight`)!.dims![0];
  assert.deepEqual(
    ['layer1.2.conv3', 'layer2.3.conv3', 'layer3.5.conv3', 'layer4.2.conv3'].map(outChannels),
    [256, 512, 1024, 2048],
  );
});

test('parameter count: torchvision ResNet-50 without fc, with batch norm folded', () => {
  let weights = 0;
  let biases = 0;
  for (const [name, t] of initializers) {
    const n = product(t.dims ?? []);
    assert.equal(t.rawData!.length, 4 * n, `${name}: float32 raw data`);
    if (name.endsWith('.weight')) weights += n;
    else if (name.endsWith('.bias')) biases += n;
    else assert.fail(`unexpected initializer ${name}`);
  }
  // torchvision resnet50: 25,557,032 parameters (ResNet50_Weights.IMAGENET1K_V1 num_params), of
  // which fc holds 2048 × 1000 + 1000 = 2,049,000: 23,508,032 without fc. Those count γ and β of
  // every BN channel, i.e. 2 per folded bias here.
  assert.equal(weights + 2 * biases, 25_557_032 - (2048 * 1000 + 1000));
  // BN channels = output channels of every conv: stem 64; per bottleneck w + w + 4w = 6w; plus 4w
  // per stage for the projection: 64 + 3·6·64 + 256 + 4·6·128 + 512 + 6·6·256 + 1024 + 3·6·512 + 2048.
  const bnChannels = 64 + 3 * 6 * 64 + 256 + 4 * 6 * 128 + 512 + 6 * 6 * 256 + 1024 + 3 * 6 * 512 + 2048;
  assert.equal(bnChannels, 26_560);
  assert.equal(biases, bnChannels);
  // Folded: one bias per BN channel instead of γ and β, so 23,508,032 − 26,560 values in the file.
  assert.equal(weights + biases, 23_508_032 - 26_560);
});

test('weights are He-uniform (Var = 2 / fan_in) and centred per filter, residual branches scaled, biases 0', () => {
  // U(−b, b) with b = gain · √(6 / fan_in) has variance b² / 3 = gain² · 2 / fan_in; removing each
  // filter's own mean (fan_in values) leaves an expected variance of (1 − 1/fan_in) of that.
  const check = (name: string, gain: number) => {
    const t = initializers.get(`${name}.weight`)!;
    const [outChannels, inChannels, kh, kw] = t.dims!;
    const fanIn = inChannels! * kh! * kw!;
    const bound = gain * Math.sqrt(6 / fanIn);
    const w = floats(t);
    let sq = 0;
    let largestFilterMean = 0;
    for (let o = 0; o < outChannels!; o += 1) {
      let sum = 0;
      for (let q = o * fanIn; q < (o + 1) * fanIn; q += 1) {
        sum += w[q]!;
        sq += w[q]! * w[q]!;
      }
      largestFilterMean = Math.max(largestFilterMean, Math.abs(sum / fanIn));
    }
    // float32 rounding of the centred values leaves means of order 1e-7 · b.
    assert.ok(largestFilterMean < 1e-5 * bound, `${name}: a filter's mean is ${largestFilterMean}`);
    const variance = sq / w.length;
    // Relative standard error of the sample variance of a uniform: √(0.8 / n) < 0.2 % for these layers.
    const expected = ((gain * gain * 2) / fanIn) * (1 - 1 / fanIn);
    assert.ok(
      Math.abs(variance / expected - 1) < 0.01,
      `${name}: variance ${variance}, expected ${expected}`,
    );
  };
  check('conv1', 1);
  check('layer3.0.conv2', 1);
  check('layer2.1.conv1', 1);
  check('layer4.0.downsample.0', 1);
  check('layer1.1.conv3', RESIDUAL_BRANCH_SCALE);
  check('layer4.2.conv3', RESIDUAL_BRANCH_SCALE);
  for (const [name, t] of initializers) {
    if (name.endsWith('.bias'))
      assert.ok(
        floats(t).every((x) => x === 0),
        `${name} is 0`,
      );
  }
  // Different layers draw from different streams (not one repeated sequence).
  const a = floats(initializers.get('layer1.0.conv1.weight')!).slice(0, 64);
  const b = floats(initializers.get('layer1.1.conv1.weight')!).slice(0, 64);
  assert.notDeepEqual(a, b);
});

test('deterministic: the same seed gives the same bytes (SHA-256), another seed other bytes', () => {
  assert.equal(sha256Hex(buildResnet50({ seed: 7 })), sha256Hex(bytes));
  assert.notEqual(sha256Hex(buildResnet50({ seed: 8 })), sha256Hex(bytes));
  assert.throws(() => buildResnet50({ seed: -1 }), RangeError);
  assert.throws(() => buildResnet50({ seed: 1.5 }), RangeError);
});
