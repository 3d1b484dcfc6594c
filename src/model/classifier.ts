/**
 * The classifier ONNX contract (docs/model-bundles.md): one graph input, a [N, k] float32 or
 * float64 tensor with the features in manifest order; the output named in the manifest holds
 * P(apCR) in [0, 1], one value per row. Anything else is refused when the bundle loads, not
 * when a patient's prediction is due.
 */
import * as ort from 'onnxruntime-node';

export type ClassifierInputType = 'float32' | 'float64';

export class ClassifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassifierError';
  }
}

export interface Classifier {
  /** Element type the model declares for its input; features are converted to it. */
  readonly inputType: ClassifierInputType;
  /** Runs one feature vector ([1, k]); returns the probability after checking it is one. */
  predict(features: readonly number[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * Session options for classifiers. Graph optimisation stops at 'basic' (constant folding,
 * redundant-node removal): at 'extended' and above onnxruntime 1.30 fuses a division by a
 * one-element constant into MatMul as FusedMatMul's float32 `alpha` attribute, which costs a
 * float64 model ~1e-7 of precision (measured: logit off by 3.1e-7 for a one-feature z-scored
 * head; exact at 'basic'). Heads are a handful of operations, so nothing is lost; one thread
 * avoids starting a pool for them.
 */
export const CLASSIFIER_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'basic',
  intraOpNumThreads: 1,
  logSeverityLevel: 3,
};

export interface ClassifierSpec {
  inputName: string;
  outputName: string;
  /** Feature names in order; their count is k and they name the features in error messages. */
  featureNames: readonly string[];
}

export async function createClassifier(modelBytes: Uint8Array, spec: ClassifierSpec): Promise<Classifier> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, CLASSIFIER_SESSION_OPTIONS);
  } catch (e) {
    throw new ClassifierError(`classifier ONNX cannot be loaded: ${(e as Error).message}`);
  }
  try {
    const inputType = checkSignature(session, spec);
    const classifier = new OnnxClassifier(session, spec, inputType);
    // One run at load so a model that cannot execute is refused now, not during a consultation.
    await classifier.run(new Array<number>(spec.featureNames.length).fill(0));
    return classifier;
  } catch (e) {
    await session.release();
    throw e instanceof ClassifierError
      ? e
      : new ClassifierError(`classifier ONNX does not run: ${(e as Error).message}`);
  }
}

/** Checks the session's declared inputs and outputs (onnxruntime-node 1.30 reports their metadata). */
function checkSignature(session: ort.InferenceSession, spec: ClassifierSpec): ClassifierInputType {
  if (session.inputNames.length !== 1 || session.inputNames[0] !== spec.inputName) {
    throw new ClassifierError(
      `classifier must have the single input "${spec.inputName}", has ${JSON.stringify(session.inputNames)}`,
    );
  }
  const input = session.inputMetadata[0];
  if (!input?.isTensor || (input.type !== 'float32' && input.type !== 'float64')) {
    const type = input?.isTensor ? input.type : 'non-tensor';
    throw new ClassifierError(
      `classifier input "${spec.inputName}" must be a float32 or float64 tensor, is ${type}`,
    );
  }
  const k = spec.featureNames.length;
  const last = input.shape[input.shape.length - 1];
  if (input.shape.length !== 2 || (typeof last === 'number' && last !== k)) {
    throw new ClassifierError(
      `classifier input "${spec.inputName}" must be [N, ${k}] for the ${k} manifest inputs, is [${input.shape.join(', ')}]`,
    );
  }
  const outputIndex = session.outputNames.indexOf(spec.outputName);
  const output = session.outputMetadata[outputIndex];
  if (outputIndex < 0 || !output) {
    throw new ClassifierError(
      `classifier has no output "${spec.outputName}" (outputs: ${session.outputNames.join(', ')})`,
    );
  }
  if (!output.isTensor) {
    throw new ClassifierError(
      `classifier output "${spec.outputName}" must be a tensor (a ZipMap output is not)`,
    );
  }
  return input.type;
}

class OnnxClassifier implements Classifier {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: ClassifierSpec,
    readonly inputType: ClassifierInputType,
  ) {}

  async predict(features: readonly number[]): Promise<number> {
    const k = this.spec.featureNames.length;
    if (features.length !== k) {
      throw new RangeError(
        `expected ${k} features (${this.spec.featureNames.join(', ')}), got ${features.length}`,
      );
    }
    const bad = features.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`feature "${this.spec.featureNames[bad]}" is not a finite number`);
    const p = await this.run(features);
    if (!(p >= 0 && p <= 1)) {
      throw new ClassifierError(
        `classifier output "${this.spec.outputName}" is ${p}, not a probability in [0, 1]`,
      );
    }
    return p;
  }

  /** Feeds one row and returns the single output value, without range checks. */
  async run(features: readonly number[]): Promise<number> {
    const data = this.inputType === 'float64' ? Float64Array.from(features) : Float32Array.from(features);
    const feeds = { [this.spec.inputName]: new ort.Tensor(this.inputType, data, [1, features.length]) };
    const results = await this.session.run(feeds, [this.spec.outputName]);
    const out = results[this.spec.outputName];
    if (!out) throw new ClassifierError(`classifier returned no "${this.spec.outputName}"`);
    if (out.size !== 1) {
      throw new ClassifierError(
        `classifier output "${this.spec.outputName}" has ${out.size} values for one row (dims [${out.dims.join(', ')}]); it must be P(apCR) alone`,
      );
    }
    const value = (out.data as ArrayLike<unknown>)[0];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ClassifierError(
        `classifier output "${this.spec.outputName}" is not a finite number (${String(value)})`,
      );
    }
    return value;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
