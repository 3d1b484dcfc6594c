/**
 * A ResNet-50 feature extractor written as an ONNX graph with generated, deterministic weights:
 * the stand-in for the ImageNet-trained backbone of the MRI deep-learning-radiomics study, which
 * cannot be downloaded here. The architecture is torchvision's `resnet50` (the "v1.5" layout) up
 * to and including the global average pool, without the fc layer:
 *
 *   input [N,3,224,224] ─ conv1 7×7/2 ─ ReLU ─ MaxPool 3×3/2 ─ layer1..layer4 ─ GlobalAveragePool ─ Flatten ─▶ features [N,2048]
 *
 * with bottleneck blocks (1×1 → 3×3 → 1×1, expansion 4, the stride on the 3×3 conv, a 1×1
 * projection shortcut in the first block of each stage) repeated [3, 4, 6, 3] times: 53 Conv
 * nodes. Sources: K. He et al., "Deep Residual Learning for Image Recognition", CVPR 2016
 * (table 1, the 50-layer column); torchvision `models/resnet.py` (`Bottleneck`, `_make_layer`,
 * `ResNet.forward`) and its documentation note that torchvision places the downsampling stride on
 * the 3×3 conv ("ResNet V1.5", https://pytorch.org/vision/stable/models/resnet.html). Layer and
 * initializer names follow torchvision's state_dict keys (`layer2.0.downsample.0.weight`), so a
 * reader can line the graph up with the PyTorch model.
 *
 * Batch normalisation is folded into the convolutions (each Conv has a bias, there are no
 * BatchNormalization nodes). That is the form `torch.onnx.export` writes for a model in eval
 * mode (conv-BN fusion during constant folding), so our graph has the shape of the ONNX file a
 * site exports from torchvision; inference-time BN is a per-channel affine map, so folding loses
 * nothing, and a smaller graph loads faster. Consequence for the parameter count: torchvision's
 * 23,508,032 parameters without fc include BN's γ and β (2 per BN channel; running mean and
 * variance are buffers, not parameters); folded, each BN channel contributes one bias instead, so
 * this graph holds 23,508,032 − 26,560 = 23,481,472 values (26,560 BN channels; derivation in
 * `resnet50-graph.test.ts`).
 *
 * Weights (generated, NOT ImageNet — the model's metadata says so): He-uniform, w ~ U(−b, b) with
 * b = √(6 / fan_in), so Var(w) = 2 / fan_in, which keeps the second moment of the activations
 * constant through conv + ReLU (He et al., "Delving Deep into Rectifiers", ICCV 2015, eq. 10;
 * PyTorch's `kaiming_uniform_`), then centred per output filter (each filter sums to 0, the
 * centring of Weight Standardization, Qiao et al. 2019). Centring stands in for what a trained
 * BN's running-mean subtraction does: post-ReLU inputs have a positive mean, and without it a
 * random filter's response is dominated by Σw · mean(x), a per-channel offset the image hardly
 * changes — measured on five unrelated test images (smooth, noise, blob, checkerboard), the
 * pooled features correlated 0.97–0.998 between images uncentred, −0.04–0.12 centred (0.64
 * between two similar blobs), with no channel dead. Folded biases are 0, the fold of a freshly
 * initialised BN (γ = 1, β = 0, μ = 0, σ² = 1; the factor 1/√(1 + ε) is left out), which makes the
 * whole network positively homogeneous: features(a · x) = a · features(x) for a > 0 (a property
 * the tests use). The last conv of each residual
 * branch is further scaled by RESIDUAL_BRANCH_SCALE, the role of zero-/small-γ initialisation of a
 * branch's last BN (Goyal et al. 2017, torchvision's `zero_init_residual`; Fixup, Zhang et al.
 * ICLR 2019, which scales a branch by L^(−1/(2m−2)) = 16^(−1/4) = 0.5 for L = 16 blocks of
 * m = 3 layers): without it every identity block adds the branch's variance to the trunk and
 * activations grow geometrically over 16 blocks; with it they stay O(1) (tested).
 *
 * Random numbers: xoshiro128** (Blackman and Vigna, ACM TOMS 47(4), 2021,
 * https://prng.di.unimi.it/xoshiro128starstar.c), one stream per initializer, seeded from the
 * 32-bit model seed and the FNV-1a hash of the initializer's name through splitmix32. Only integer
 * operations, a multiplication by a power of two, √ (correctly rounded by IEEE 754) and the
 * rounding to float32 are involved, so the bytes — and the SHA-256 a bundle pins — are the same on
 * every platform and Node version.
 */
import { endianness } from 'node:os';
import {
  AttributeType,
  encodeModel,
  TensorDataType,
  type AttributeObject,
  type NodeObject,
  valueInfo,
  type TensorObject,
} from '../model/onnx/onnx-schema.ts';
import { splitmix32 } from '../util/splitmix32.ts';

/** IR version 8 (ONNX 1.10) with default-domain opset 17 (ONNX 1.12), as the model heads use. */
export const RESNET50_IR_VERSION = 8;
export const RESNET50_OPSET = 17;
export const RESNET50_INPUT = 'input';
export const RESNET50_OUTPUT = 'features';
export const RESNET50_IMAGE_SIZE = 224;
export const RESNET50_FEATURE_LENGTH = 2048;
/** Blocks per stage and the bottleneck width of each stage (He et al. 2016, table 1). */
export const RESNET50_STAGE_BLOCKS: readonly number[] = [3, 4, 6, 3];
export const RESNET50_STAGE_WIDTHS: readonly number[] = [64, 128, 256, 512];
export const BOTTLENECK_EXPANSION = 4;
/** Scale of each residual branch's last conv (see the module comment: Fixup's 16^(−1/4)). */
export const RESIDUAL_BRANCH_SCALE = 0.5;

/** metadata_props keys written into the generated model. */
export const METADATA_WEIGHTS_KEY = 'axilla.backbone.weights';
export const METADATA_ARCHITECTURE_KEY = 'axilla.backbone.architecture';
export const METADATA_GENERATOR_KEY = 'axilla.backbone.generator';
export const METADATA_SEED_KEY = 'axilla.backbone.seed';
/** Value of METADATA_WEIGHTS_KEY in generated models; `backbone.ts` recognises demo weights by it. */
export const DEMO_WEIGHTS_VALUE =
  'generated demo weights (seeded He-uniform), NOT ImageNet-trained: for demonstrations and tests only, meaningless as image features';
/** Identifies this generator's output; bump when anything that changes the bytes changes. */
export const DEMO_GENERATOR_VERSION = 'resnet50-demo-v1';

export interface Resnet50Options {
  /** Unsigned 32-bit seed of the weights. */
  seed: number;
  producerVersion?: string;
}

/**
 * Builds the model bytes. Same options in, same bytes out. About 94 MB (23.5 M float32 values);
 * the cost is one PRNG draw per weight plus one copy while encoding (0.35–0.6 s measured, 2 cores).
 */
export function buildResnet50(options: Resnet50Options): Uint8Array {
  const seed = options.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an unsigned 32-bit integer, got ${seed}`);
  }
  const builder = new GraphBuilder(seed);
  let x = builder.conv('conv1', RESNET50_INPUT, 3, 64, 7, 2, 3, 1);
  x = builder.relu('relu', x);
  x = builder.maxPool('maxpool', x);
  let channels = 64;
  RESNET50_STAGE_BLOCKS.forEach((blocks, stage) => {
    const width = RESNET50_STAGE_WIDTHS[stage]!;
    for (let b = 0; b < blocks; b += 1) {
      // torchvision `_make_layer`: only the first block of a stage strides (not in layer1) and
      // has the projection shortcut, needed because the channel count (and size) changes there.
      const stride = b === 0 && stage > 0 ? 2 : 1;
      x = builder.bottleneck(`layer${stage + 1}.${b}`, x, channels, width, stride, b === 0);
      channels = width * BOTTLENECK_EXPANSION;
    }
  });
  x = builder.node('GlobalAveragePool', 'avgpool', [x]);
  builder.nodes.push({
    opType: 'Flatten',
    name: 'flatten',
    input: [x],
    output: [RESNET50_OUTPUT],
    attribute: [intAttribute('axis', 1)],
  });

  const metadata: Record<string, string> = {
    [METADATA_WEIGHTS_KEY]: DEMO_WEIGHTS_VALUE,
    [METADATA_ARCHITECTURE_KEY]:
      'ResNet-50 (torchvision v1.5 layout), batch norm folded into conv bias, no fc: global-average-pooled 2048-d output',
    [METADATA_GENERATOR_KEY]: DEMO_GENERATOR_VERSION,
    [METADATA_SEED_KEY]: String(seed),
  };
  return encodeModel({
    irVersion: RESNET50_IR_VERSION,
    opsetImport: [{ domain: '', version: RESNET50_OPSET }],
    producerName: 'axilla-cds',
    ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
    docString: `ResNet-50 feature extractor with ${DEMO_WEIGHTS_VALUE}.`,
    graph: {
      name: 'resnet50_features',
      node: builder.nodes,
      initializer: builder.initializers,
      input: [
        valueInfo(RESNET50_INPUT, TensorDataType.FLOAT, ['N', 3, RESNET50_IMAGE_SIZE, RESNET50_IMAGE_SIZE]),
      ],
      output: [valueInfo(RESNET50_OUTPUT, TensorDataType.FLOAT, ['N', RESNET50_FEATURE_LENGTH])],
    },
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({ key, value: metadata[key]! })),
  });
}

class GraphBuilder {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];

  constructor(private readonly seed: number) {}

  /** A node with one output named after the node. */
  node(opType: string, name: string, input: string[], attribute?: AttributeObject[]): string {
    this.nodes.push({ opType, name, input, output: [name], ...(attribute ? { attribute } : {}) });
    return name;
  }

  relu(name: string, x: string): string {
    return this.node('Relu', name, [x]);
  }

  /** torchvision `nn.MaxPool2d(kernel_size=3, stride=2, padding=1)`. */
  maxPool(name: string, x: string): string {
    return this.node(
      'MaxPool',
      name,
      [x],
      [
        intsAttribute('kernel_shape', [3, 3]),
        intsAttribute('strides', [2, 2]),
        intsAttribute('pads', [1, 1, 1, 1]),
      ],
    );
  }

  /**
   * A square convolution with folded-BN bias. Weight layout [out, in, k, k] (ONNX Conv `W`);
   * fan_in = in·k·k; values He-uniform times `gain`. Padding k/2 keeps "same" size at stride 1,
   * as torchvision's conv1x1 / conv3x3 / 7×7 stem (padding 0 / 1 / 3).
   */
  conv(
    name: string,
    x: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    stride: number,
    pad: number,
    gain: number,
  ): string {
    const fanIn = inChannels * kernel * kernel;
    const bound = gain * Math.sqrt(6 / fanIn);
    const weight = new Float32Array(outChannels * fanIn);
    fillUniform(weight, bound, streamSeed(this.seed, `${name}.weight`));
    centreFilters(weight, outChannels, fanIn);
    this.initializers.push(floatTensor(`${name}.weight`, [outChannels, inChannels, kernel, kernel], weight));
    this.initializers.push(floatTensor(`${name}.bias`, [outChannels], new Float32Array(outChannels)));
    return this.node(
      'Conv',
      name,
      [x, `${name}.weight`, `${name}.bias`],
      [
        intsAttribute('kernel_shape', [kernel, kernel]),
        intsAttribute('strides', [stride, stride]),
        intsAttribute('pads', [pad, pad, pad, pad]),
        intsAttribute('dilations', [1, 1]),
        intAttribute('group', 1),
      ],
    );
  }

  /**
   * torchvision `Bottleneck.forward`: relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)),
   * stride on conv2; shortcut = downsample (1×1 conv, stride, + BN) in a stage's first block.
   */
  bottleneck(
    prefix: string,
    x: string,
    inChannels: number,
    width: number,
    stride: number,
    project: boolean,
  ): string {
    const outChannels = width * BOTTLENECK_EXPANSION;
    let y = this.conv(`${prefix}.conv1`, x, inChannels, width, 1, 1, 0, 1);
    y = this.relu(`${prefix}.relu1`, y);
    y = this.conv(`${prefix}.conv2`, y, width, width, 3, stride, 1, 1);
    y = this.relu(`${prefix}.relu2`, y);
    y = this.conv(`${prefix}.conv3`, y, width, outChannels, 1, 1, 0, RESIDUAL_BRANCH_SCALE);
    const shortcut = project
      ? this.conv(`${prefix}.downsample.0`, x, inChannels, outChannels, 1, stride, 0, 1)
      : x;
    const sum = this.node('Add', `${prefix}.add`, [y, shortcut]);
    return this.relu(`${prefix}.relu3`, sum);
  }
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The stream seed of one initializer: independent of generation order and of the other layers. */
function streamSeed(seed: number, name: string): number {
  return splitmix32(seed ^ fnv1a(name));
}

/**
 * Fills `out` with U(−bound, bound) from xoshiro128** seeded with four successive splitmix32
 * outputs of `seed` (the seeding the generator's authors recommend: never all-zero in practice).
 * Each value uses the top 24 bits of one output: u = (r >>> 8)·2⁻²⁴ ∈ [0, 1), exactly
 * representable, then (2u − 1)·bound rounded to float32.
 */
function fillUniform(out: Float32Array, bound: number, seed: number): void {
  let s0 = splitmix32(seed);
  let s1 = splitmix32(s0);
  let s2 = splitmix32(s1);
  let s3 = splitmix32(s2);
  const scale = 2 * bound * 2 ** -24;
  for (let n = 0; n < out.length; n += 1) {
    // xoshiro128** 1.1: result = rotl(s1 * 5, 7) * 9; then the xorshift/rotate state update.
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[n] = (r >>> 8) * scale - bound;
  }
}

/**
 * Subtracts from each output filter (fanIn consecutive values) its own mean, so that every filter
 * sums to 0: the centring step of Weight Standardization (S. Qiao et al., "Micro-Batch Training
 * with Batch-Channel Normalization and Weight Standardization", arXiv:1903.10520). The mean is
 * summed in float64 in index order, so the result is reproducible.
 */
function centreFilters(weight: Float32Array, outChannels: number, fanIn: number): void {
  for (let o = 0; o < outChannels; o += 1) {
    const start = o * fanIn;
    let sum = 0;
    for (let q = start; q < start + fanIn; q += 1) sum += weight[q]!;
    const mean = sum / fanIn;
    for (let q = start; q < start + fanIn; q += 1) weight[q]! -= mean;
  }
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * A float32 initializer in raw_data, which onnx.proto requires to be little-endian IEEE 754: the
 * array's own bytes on a little-endian host (no copy), byte-swapped otherwise.
 */
function floatTensor(name: string, dims: number[], values: Float32Array): TensorObject {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (!LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < raw.length; i += 4) {
      const a = raw[i]!;
      const b = raw[i + 1]!;
      raw[i] = raw[i + 3]!;
      raw[i + 1] = raw[i + 2]!;
      raw[i + 2] = b;
      raw[i + 3] = a;
    }
  }
  return { name, dims, dataType: TensorDataType.FLOAT, rawData: raw };
}

function intAttribute(name: string, i: number): AttributeObject {
  return { name, type: AttributeType.INT, i };
}

function intsAttribute(name: string, ints: number[]): AttributeObject {
  return { name, type: AttributeType.INTS, ints };
}
