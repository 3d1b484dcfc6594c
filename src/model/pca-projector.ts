/**
 * The bundle's deep-feature projection (manifest `deepPca`): an ONNX model taking the backbone's
 * features [N, D] (the blocks in manifest order) and returning [N, k] component scores, the
 * model inputs DL_pc001…DL_pc{k}. Checked when the bundle loads, like the classifier.
 */
import * as ort from 'onnxruntime-node';
import { CLASSIFIER_SESSION_OPTIONS, ClassifierError } from './classifier.ts';
import type { BundleManifest } from './manifest.ts';

export interface PcaProjector {
  /** D: number of backbone features expected, all blocks together. */
  readonly inputLength: number;
  readonly components: number;
  /** Component scores of one feature vector; index c is DL_pc{c+1}. */
  project(features: ArrayLike<number>): Promise<Float64Array>;
  close(): Promise<void>;
}

/** Name of component c (1-based) as a model input: DL_pc001 … */
export function deepComponentName(c: number): string {
  return `DL_pc${String(c).padStart(3, '0')}`;
}

export async function createPcaProjector(
  bytes: Uint8Array,
  spec: NonNullable<BundleManifest['deepPca']>,
): Promise<PcaProjector> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, CLASSIFIER_SESSION_OPTIONS);
  } catch (e) {
    throw new ClassifierError(`deep PCA ONNX cannot be loaded: ${(e as Error).message}`);
  }
  const d = spec.dimension * spec.blocks.length;
  const input = session.inputMetadata[0];
  const outputIndex = session.outputNames.indexOf(spec.outputName);
  const fail = async (message: string): Promise<never> => {
    await session.release();
    throw new ClassifierError(`deep PCA ONNX ${message}`);
  };
  if (session.inputNames.length !== 1 || session.inputNames[0] !== spec.inputName || !input?.isTensor) {
    return fail(
      `must have the single tensor input "${spec.inputName}", has ${JSON.stringify(session.inputNames)}`,
    );
  }
  if (input.type !== 'float64' || input.shape.length !== 2 || input.shape[1] !== d) {
    return fail(`input must be float64 [N, ${d}], is ${input.type} [${input.shape.join(', ')}]`);
  }
  if (outputIndex < 0) return fail(`has no output "${spec.outputName}"`);
  const projector: PcaProjector = {
    inputLength: d,
    components: spec.components,
    async project(features) {
      if (features.length !== d)
        throw new RangeError(`deep PCA expects ${d} features, got ${features.length}`);
      const data = Float64Array.from(features);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RangeError(`deep feature ${bad + 1} is not a finite number`);
      const out = (await session.run({ [spec.inputName]: new ort.Tensor('float64', data, [1, d]) }))[
        spec.outputName
      ];
      if (!out || out.size !== spec.components) {
        throw new ClassifierError(`deep PCA returned ${out?.size ?? 0} values, expected ${spec.components}`);
      }
      return Float64Array.from(out.data as Float64Array);
    },
    close: () => session.release(),
  };
  // One run at load, as for the classifier: a model that cannot execute is refused now.
  try {
    await projector.project(new Float64Array(d));
  } catch (e) {
    return fail(`does not run: ${(e as Error).message}`);
  }
  return projector;
}
