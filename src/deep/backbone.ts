/**
 * The deep-feature backbone: an ONNX image model run by onnxruntime-node, taking ImageNet-
 * normalised RGB images [N, 3, 224, 224] (float32, CHW) to one 2048-d feature vector per image
 * [N, 2048] (ResNet-50's global-average-pooled output).
 *
 * Where the file comes from:
 * - a site supplies its own export of an ImageNet-trained ResNet-50 (e.g. torchvision's with
 *   `fc = Identity`, exported by `torch.onnx.export`), which the model bundle references by
 *   SHA-256; `loadBackbone` refuses a file whose digest differs;
 * - demos and tests use `ensureDemoBackbone`, a ResNet-50 with generated weights
 *   (`resnet50-graph.ts`), written once into a folder and reused. Such a backbone says so: its
 *   `isDemo` is true and its `label` reads "demo weights", for every caller that shows features
 *   or results derived from it.
 *
 * The check is on the bytes handed to onnxruntime (read once, hashed, then given to the session),
 * so a file swapped between hashing and loading cannot slip through.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { sha256Hex } from '../model/digest.ts';
import {
  buildResnet50,
  DEMO_GENERATOR_VERSION,
  DEMO_WEIGHTS_VALUE,
  METADATA_ARCHITECTURE_KEY,
  METADATA_GENERATOR_KEY,
  METADATA_WEIGHTS_KEY,
  RESNET50_FEATURE_LENGTH,
  RESNET50_IMAGE_SIZE,
  RESNET50_OUTPUT,
} from './resnet50-graph.ts';

export const BACKBONE_IMAGE_SIZE = RESNET50_IMAGE_SIZE;
export const BACKBONE_FEATURE_LENGTH = RESNET50_FEATURE_LENGTH;
/** Values in one input image: 3 channels × 224 × 224. */
export const BACKBONE_IMAGE_VALUES = 3 * BACKBONE_IMAGE_SIZE * BACKBONE_IMAGE_SIZE;

/** Seed of the demo backbone's weights; part of the demo model's identity with DEMO_GENERATOR_VERSION. */
export const DEMO_BACKBONE_SEED = 20_240_501;
export const DEMO_BACKBONE_FILE = `${DEMO_GENERATOR_VERSION}.onnx`;
export const DEMO_BACKBONE_LABEL = 'ResNet-50, generated demo weights (not ImageNet-trained)';

export class BackboneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackboneError';
  }
}

export interface Backbone {
  /** File the model was read from. */
  readonly path: string;
  /** SHA-256 (lower-case hex) of the bytes onnxruntime runs. */
  readonly sha256: string;
  /** True for generated demo weights (the model's metadata says so): features are meaningless clinically. */
  readonly isDemo: boolean;
  /** Human-readable description to show wherever features from this backbone are used. */
  readonly label: string;
  /** The model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Runs `n` images stored back to back in `batch` (n × 3 × 224 × 224 float32, CHW, ImageNet-
   * normalised); returns one 2048-value feature vector per image, in order.
   */
  run(batch: Float32Array, n: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * Session options: all graph optimisations (conv + add + relu fusion matters for ResNet speed;
 * unlike the float64 classifier heads, float32 convolutions lose nothing measurable there). The
 * thread count is onnxruntime's default (one per physical core) unless the caller sets one.
 * Intra-op threads do not spin between runs (`session.intra_op.allow_spinning` = 0, an
 * onnxruntime session config key): spinning threads would take the CPU from the JavaScript
 * thread that selects slices and builds composites between runs (and from the other session in
 * bench/deep.ts), while saving nothing measurable (ResNet-50, one image, 2 cores: 47.0 ms median
 * spinning, 47.7 ms not).
 */
export const BACKBONE_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

/**
 * Writes the demo backbone into `dir` (as `resnet50-demo-v1.onnx`, next to its digest in
 * `resnet50-demo-v1.onnx.sha256`) unless it is already there with a matching digest; returns
 * the file and its SHA-256. Generation is deterministic, so every machine gets the same bytes
 * and the same digest, which is what demo bundles pin. The file is written under a temporary name
 * and renamed, so concurrent callers (parallel test files) never see a partial file.
 */
export async function ensureDemoBackbone(dir: string): Promise<{ path: string; sha256: string }> {
  const file = path.join(dir, DEMO_BACKBONE_FILE);
  const digestFile = `${file}.sha256`;
  if (existsSync(file) && existsSync(digestFile)) {
    const [bytes, recorded] = await Promise.all([readFile(file), readFile(digestFile, 'utf8')]);
    const sha256 = sha256Hex(bytes);
    if (sha256 === recorded.trim()) return { path: file, sha256 };
  }
  const bytes = buildResnet50({ seed: DEMO_BACKBONE_SEED });
  const sha256 = sha256Hex(bytes);
  await mkdir(dir, { recursive: true });
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(file + suffix, bytes);
    await writeFile(digestFile + suffix, `${sha256}\n`);
    await rename(file + suffix, file);
    await rename(digestFile + suffix, digestFile);
  } finally {
    await rm(file + suffix, { force: true });
    await rm(digestFile + suffix, { force: true });
  }
  return { path: file, sha256 };
}

/**
 * Loads a backbone, refusing it when its SHA-256 differs from `expectedSha256` (when given), when
 * its signature is not one float32 input [N, 3, 224, 224] → a float32 output [N, 2048] (the
 * output named `features` if there are several), or when it does not run on a zero image.
 * A fixed batch dimension (an export with batch size 1) is accepted; inputs are then run in
 * chunks of that size.
 */
export async function loadBackbone(
  file: string,
  expectedSha256?: string,
  sessionOptions: ort.InferenceSession.SessionOptions = BACKBONE_SESSION_OPTIONS,
): Promise<Backbone> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new BackboneError(`backbone ONNX ${file} cannot be read: ${(e as Error).message}`);
  }
  const sha256 = sha256Hex(bytes);
  if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase()) {
    throw new BackboneError(
      `backbone ONNX ${file} has SHA-256 ${sha256}, not the expected ${expectedSha256}; refusing a different model`,
    );
  }
  const metadata = readModelMetadata(bytes);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (e) {
    throw new BackboneError(`backbone ONNX ${file} cannot be loaded: ${(e as Error).message}`);
  }
  try {
    const signature = checkSignature(session, file);
    const isDemo = metadata[METADATA_WEIGHTS_KEY] === DEMO_WEIGHTS_VALUE;
    const label = isDemo
      ? metadata[METADATA_GENERATOR_KEY] === DEMO_GENERATOR_VERSION
        ? DEMO_BACKBONE_LABEL
        : `${metadata[METADATA_ARCHITECTURE_KEY] ?? 'backbone'}, generated demo weights (not ImageNet-trained)`
      : `site backbone ${path.basename(file)} (SHA-256 ${sha256.slice(0, 12)}…)`;
    const backbone = new OnnxBackbone(session, file, sha256, isDemo, label, metadata, signature);
    // One run at load, so a model that cannot execute is refused now rather than mid-extraction.
    await backbone.run(new Float32Array(BACKBONE_IMAGE_VALUES), 1);
    return backbone;
  } catch (e) {
    await session.release();
    throw e instanceof BackboneError
      ? e
      : new BackboneError(`backbone ONNX ${file} does not run: ${(e as Error).message}`);
  }
}

interface Signature {
  inputName: string;
  outputName: string;
  /** Images per run when the model fixes its batch dimension; null when it is symbolic. */
  fixedBatch: number | null;
}

/** Checks the input/output metadata onnxruntime reports for the session. */
function checkSignature(session: ort.InferenceSession, file: string): Signature {
  const expected = `[N, 3, ${BACKBONE_IMAGE_SIZE}, ${BACKBONE_IMAGE_SIZE}] → [N, ${BACKBONE_FEATURE_LENGTH}]`;
  if (session.inputNames.length !== 1) {
    throw new BackboneError(
      `backbone ONNX ${file} must have one input (${expected}), has ${session.inputNames.length}: ${session.inputNames.join(', ')}`,
    );
  }
  const input = session.inputMetadata[0];
  const inputShape = input?.isTensor ? input.shape : [];
  const [batch, ...rest] = inputShape;
  const imageDims = [3, BACKBONE_IMAGE_SIZE, BACKBONE_IMAGE_SIZE];
  if (
    !input?.isTensor ||
    input.type !== 'float32' ||
    inputShape.length !== 4 ||
    rest.some((d, n) => d !== imageDims[n])
  ) {
    throw new BackboneError(
      `backbone ONNX ${file}: input "${session.inputNames[0]}" must be float32 [N, 3, ${BACKBONE_IMAGE_SIZE}, ${BACKBONE_IMAGE_SIZE}], is ${describe(input)}`,
    );
  }
  const outputIndex = session.outputNames.length === 1 ? 0 : session.outputNames.indexOf(RESNET50_OUTPUT);
  const output = session.outputMetadata[outputIndex];
  if (outputIndex < 0 || !output) {
    throw new BackboneError(
      `backbone ONNX ${file} must have one output, or one named "${RESNET50_OUTPUT}" (${expected}); has ${session.outputNames.join(', ')}`,
    );
  }
  const outputShape = output.isTensor ? output.shape : [];
  const last = outputShape[outputShape.length - 1];
  // A dimension onnxruntime cannot tell (symbolic) is checked on the first run instead.
  if (
    !output.isTensor ||
    output.type !== 'float32' ||
    outputShape.length !== 2 ||
    (typeof last === 'number' && last !== BACKBONE_FEATURE_LENGTH)
  ) {
    throw new BackboneError(
      `backbone ONNX ${file}: output "${output.name}" must be float32 [N, ${BACKBONE_FEATURE_LENGTH}] (the pooled features, no classifier), is ${describe(output)}`,
    );
  }
  return {
    inputName: session.inputNames[0]!,
    outputName: session.outputNames[outputIndex]!,
    fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null,
  };
}

function describe(v: ort.InferenceSession.ValueMetadata | undefined): string {
  if (!v) return 'missing';
  if (!v.isTensor) return 'not a tensor';
  return `${v.type} [${v.shape.join(', ')}]`;
}

class OnnxBackbone implements Backbone {
  constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly sha256: string,
    readonly isDemo: boolean,
    readonly label: string,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly signature: Signature,
  ) {}

  async run(batch: Float32Array, n: number): Promise<Float32Array[]> {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`image count must be a positive integer, got ${n}`);
    if (batch.length !== n * BACKBONE_IMAGE_VALUES) {
      throw new RangeError(
        `a batch of ${n} images needs ${n * BACKBONE_IMAGE_VALUES} values (n × 3 × ${BACKBONE_IMAGE_SIZE} × ${BACKBONE_IMAGE_SIZE}), got ${batch.length}`,
      );
    }
    const chunk = this.signature.fixedBatch ?? n;
    const features: Float32Array[] = [];
    for (let first = 0; first < n; first += chunk) {
      const count = Math.min(chunk, n - first);
      // A fixed-batch model gets a full chunk: the missing images are zeros, their outputs dropped.
      let data = batch.subarray(first * BACKBONE_IMAGE_VALUES, (first + count) * BACKBONE_IMAGE_VALUES);
      if (count < chunk) {
        const padded = new Float32Array(chunk * BACKBONE_IMAGE_VALUES);
        padded.set(data);
        data = padded;
      }
      const dims = [chunk, 3, BACKBONE_IMAGE_SIZE, BACKBONE_IMAGE_SIZE];
      const feeds = { [this.signature.inputName]: new ort.Tensor('float32', data, dims) };
      const results = await this.session.run(feeds, [this.signature.outputName]);
      const out = results[this.signature.outputName];
      if (!out || !(out.data instanceof Float32Array) || out.size !== chunk * BACKBONE_FEATURE_LENGTH) {
        throw new BackboneError(
          `backbone output "${this.signature.outputName}" has dims [${out?.dims.join(', ') ?? ''}] for ${chunk} images; expected [${chunk}, ${BACKBONE_FEATURE_LENGTH}]`,
        );
      }
      const values = out.data;
      for (let m = 0; m < count; m += 1) {
        // Copied out of the output tensor so callers own plain arrays.
        features.push(values.slice(m * BACKBONE_FEATURE_LENGTH, (m + 1) * BACKBONE_FEATURE_LENGTH));
      }
    }
    return features;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Reads ModelProto.metadata_props (field 14, onnx.proto) without decoding the graph: walks the
 * top-level fields of the protobuf wire format and skips the others by their length, so a
 * 100 MB model costs a few microseconds here rather than a full decode.
 */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const metadata: Record<string, string> = {};
  try {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 14 && (tag & 7) === 2) {
        const entry = protobuf.Reader.create(reader.bytes());
        let key = '';
        let value = '';
        while (entry.pos < entry.len) {
          const t = entry.uint32();
          if (t >>> 3 === 1 && (t & 7) === 2) key = entry.string();
          else if (t >>> 3 === 2 && (t & 7) === 2) value = entry.string();
          else entry.skipType(t & 7);
        }
        metadata[key] = value;
      } else {
        reader.skipType(tag & 7);
      }
    }
  } catch (e) {
    throw new BackboneError(`backbone ONNX is not a valid ModelProto: ${(e as Error).message}`);
  }
  return metadata;
}
