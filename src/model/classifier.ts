/**
 * The classifier ONNX contract (docs/onnx-contract.md): any ONNX model with one graph input, a
 * [N, k] or [batch, k] float32 or float64 tensor holding the features in manifest order, and an
 * output named in the manifest that gives P(apCR) for each row in one of three forms
 * (`outputKind`): the probability itself ([N] or [N, 1]), per-class probabilities ([N, C], as
 * skl2onnx writes with zipmap=False; P(apCR) is column `positiveClass`), or the log-odds ([N] or
 * [N, 1], as a PyTorch nn.Linear head exports; P = 1/(1 + e^−logit)). Other outputs, such as
 * skl2onnx's `label`, are allowed and never computed. Anything else is refused when the bundle
 * loads, not when a patient's prediction is due.
 */
import * as ort from 'onnxruntime-node';
import type { BundleManifest } from './manifest.ts';

export type ClassifierInputType = 'float32' | 'float64';
export type ClassifierOutputKind = BundleManifest['classifier']['outputKind'];

/** Column of P(apCR) in a 'class-probabilities' output when the manifest does not say (skl2onnx's class 1). */
export const DEFAULT_POSITIVE_CLASS = 1;

export class ClassifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassifierError';
  }
}

export interface Classifier {
  /** Element type the model declares for its input; features are converted to it. */
  readonly inputType: ClassifierInputType;
  readonly outputKind: ClassifierOutputKind;
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
  /** How `outputName` gives P(apCR); 'probability' when absent, the only kind older callers know. */
  outputKind?: ClassifierOutputKind;
  /** Column of P(apCR) for 'class-probabilities'; DEFAULT_POSITIVE_CLASS when absent. */
  positiveClass?: number;
  /** Feature names in order; their count is k and they name the features in error messages. */
  featureNames: readonly string[];
}

interface ResolvedSpec {
  inputName: string;
  outputName: string;
  outputKind: ClassifierOutputKind;
  positiveClass: number;
  featureNames: readonly string[];
}

export async function createClassifier(modelBytes: Uint8Array, spec: ClassifierSpec): Promise<Classifier> {
  const resolved = resolveSpec(spec);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, CLASSIFIER_SESSION_OPTIONS);
  } catch (e) {
    throw new ClassifierError(`classifier ONNX cannot be loaded: ${(e as Error).message}`);
  }
  try {
    const inputType = checkSignature(session, resolved);
    const classifier = new OnnxClassifier(session, resolved, inputType);
    // One run at load so a model that cannot execute, or whose output has the wrong size for its
    // outputKind (dimensions the graph left symbolic), is refused now, not during a consultation.
    await classifier.probability(new Array<number>(resolved.featureNames.length).fill(0));
    return classifier;
  } catch (e) {
    await session.release();
    throw e instanceof ClassifierError
      ? e
      : new ClassifierError(`classifier ONNX does not run: ${(e as Error).message}`);
  }
}

function resolveSpec(spec: ClassifierSpec): ResolvedSpec {
  const outputKind = spec.outputKind ?? 'probability';
  if (spec.positiveClass !== undefined && outputKind !== 'class-probabilities') {
    throw new ClassifierError(
      `classifier positiveClass applies only to outputKind "class-probabilities", not "${outputKind}"`,
    );
  }
  const positiveClass = spec.positiveClass ?? DEFAULT_POSITIVE_CLASS;
  if (!Number.isInteger(positiveClass) || positiveClass < 0) {
    throw new ClassifierError(`classifier positiveClass must be an integer ≥ 0, is ${positiveClass}`);
  }
  return { ...spec, outputKind, positiveClass };
}

/** A declared shape: symbolic dimensions by name, unnamed ones (onnxruntime reports "") as "?". */
function describeShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (d === '' ? '?' : String(d))).join(', ')}]`;
}

/** A dimension the graph leaves open: a name (dim_param) or neither name nor value (onnxruntime reports ""). */
const isSymbolic = (d: number | string | undefined): boolean => typeof d === 'string';

/** Checks the session's declared inputs and outputs (onnxruntime-node 1.30 reports their metadata). */
function checkSignature(session: ort.InferenceSession, spec: ResolvedSpec): ClassifierInputType {
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
  const [batch, width] = input.shape;
  const refuse = (why: string): never => {
    throw new ClassifierError(
      `classifier input "${spec.inputName}" must be [N, ${k}] for the ${k} manifest inputs, is ${input.shape.length === 0 ? 'declared without a shape' : describeShape(input.shape)}${why}`,
    );
  };
  if (input.shape.length !== 2) refuse(' (a 2-D tensor, one row of features per patient)');
  if (width !== k) refuse(isSymbolic(width) ? ` (the feature dimension must be fixed at ${k})` : '');
  // One row is fed at a time: the batch dimension must be open (a name or None) or 1.
  if (!isSymbolic(batch) && batch !== 1) {
    refuse(': its batch dimension must be dynamic (a name such as "batch", or None) or 1');
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
      `classifier output "${spec.outputName}" is not a tensor (a sequence of maps, as ZipMap writes it); export the scikit-learn model with zipmap=False (skl2onnx options={id(model): {'zipmap': False}}) and name its "probabilities" output with outputKind "class-probabilities"`,
    );
  }
  if (output.type !== 'float32' && output.type !== 'float64') {
    throw new ClassifierError(
      `classifier output "${spec.outputName}" must be a float32 or float64 tensor, is ${output.type}${output.type.startsWith('int') ? ' (a class label, not a probability)' : ''}`,
    );
  }
  checkOutputShape(output.shape, spec);
  return input.type;
}

/** Checks the declared output shape against outputKind where it is declared; open sizes are checked by the load-time run. */
function checkOutputShape(shape: ReadonlyArray<number | string>, spec: ResolvedSpec): void {
  if (shape.length === 0) return; // undeclared: the run at load checks what comes out
  const name = spec.outputName;
  if (spec.outputKind === 'class-probabilities') {
    const classes = shape[1];
    if (shape.length !== 2) {
      throw new ClassifierError(
        `classifier output "${name}" is ${describeShape(shape)}; outputKind "class-probabilities" needs [N, C], one column per class`,
      );
    }
    if (typeof classes === 'number') checkPositiveClass(classes, spec);
    return;
  }
  const perRow = shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || isSymbolic(shape[1])));
  if (!perRow) {
    throw new ClassifierError(
      `classifier output "${name}" is ${describeShape(shape)}; outputKind "${spec.outputKind}" needs one value per row ([N] or [N, 1])${shape.length === 2 ? '; for per-class probabilities use outputKind "class-probabilities"' : ''}`,
    );
  }
}

function checkPositiveClass(classes: number, spec: ResolvedSpec): void {
  if (spec.positiveClass >= classes) {
    throw new ClassifierError(
      `classifier positiveClass ${spec.positiveClass} is out of range: output "${spec.outputName}" has ${classes} class column${classes === 1 ? '' : 's'} (0…${classes - 1})`,
    );
  }
}

/** The logistic function, written so that neither branch overflows. */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

class OnnxClassifier implements Classifier {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: ResolvedSpec,
    readonly inputType: ClassifierInputType,
  ) {}

  get outputKind(): ClassifierOutputKind {
    return this.spec.outputKind;
  }

  async predict(features: readonly number[]): Promise<number> {
    const k = this.spec.featureNames.length;
    if (features.length !== k) {
      throw new RangeError(
        `expected ${k} features (${this.spec.featureNames.join(', ')}), got ${features.length}`,
      );
    }
    const bad = features.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`feature "${this.spec.featureNames[bad]}" is not a finite number`);
    const p = await this.probability(features);
    if (!(p >= 0 && p <= 1)) {
      const column =
        this.spec.outputKind === 'class-probabilities' ? ` (column ${this.spec.positiveClass})` : '';
      throw new ClassifierError(
        `classifier output "${this.spec.outputName}"${column} is ${p}, not a probability in [0, 1]`,
      );
    }
    return p;
  }

  /** P(apCR) for one row as the output kind defines it, without the [0, 1] check. */
  async probability(features: readonly number[]): Promise<number> {
    const value = await this.run(features);
    return this.spec.outputKind === 'logit' ? logistic(value) : value;
  }

  /** Feeds one row and returns the output's value for it (the positive-class column for class probabilities). */
  private async run(features: readonly number[]): Promise<number> {
    const { outputName, outputKind, positiveClass } = this.spec;
    const data = this.inputType === 'float64' ? Float64Array.from(features) : Float32Array.from(features);
    const feeds = { [this.spec.inputName]: new ort.Tensor(this.inputType, data, [1, features.length]) };
    // Only the named output is fetched: other outputs (a label, a logit next to a probability) are not computed.
    const results = await this.session.run(feeds, [outputName]);
    const out = results[outputName];
    if (!out) throw new ClassifierError(`classifier returned no "${outputName}"`);
    let index = 0;
    if (outputKind === 'class-probabilities') {
      if (out.dims.length !== 2 || out.dims[0] !== 1) {
        throw new ClassifierError(
          `classifier output "${outputName}" has dims [${out.dims.join(', ')}] for one row; outputKind "class-probabilities" needs [1, C]`,
        );
      }
      checkPositiveClass(out.dims[1]!, this.spec);
      index = positiveClass;
    } else if (out.size !== 1) {
      throw new ClassifierError(
        `classifier output "${outputName}" has ${out.size} values for one row (dims [${out.dims.join(', ')}]); outputKind "${outputKind}" needs exactly one${out.size > 1 ? ' (for per-class probabilities use outputKind "class-probabilities")' : ''}`,
      );
    }
    const value = (out.data as ArrayLike<unknown>)[index];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ClassifierError(
        `classifier output "${outputName}" is not a finite number (${String(value)})`,
      );
    }
    return value;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
