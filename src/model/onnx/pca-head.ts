/**
 * Writes a fitted principal-component projection as an ONNX model:
 *
 *   features [N,D] ─Sub(mean [D])─MatMul(W [D,k])─▶ scores [N,k]
 *
 * where column c of W is the c-th unit loading vector, so score_c = Σ_d (x_d − m_d)·w_dc — the
 * projection R's prcomp(center = TRUE, scale. = FALSE) returns in `x`. Float64 throughout, so
 * the service's scores equal the training code's to rounding. Operators: ONNX Sub and MatMul
 * (https://onnx.ai/onnx/operators/), IR and opset as the logistic heads.
 */
import { HEAD_IR_VERSION, HEAD_OPSET } from './linear-head.ts';
import { constantTensor, encodeModel, TensorDataType, valueInfo } from './onnx-schema.ts';

export const PCA_INPUT = 'deep_features';
export const PCA_OUTPUT = 'components';

export interface PcaHeadSpec {
  /** Per-input mean, length D. */
  mean: ArrayLike<number>;
  /** k loading vectors, each of length D. */
  components: readonly ArrayLike<number>[];
  producer: string;
  docString?: string;
}

export function buildPcaHead(spec: PcaHeadSpec): Uint8Array {
  const d = spec.mean.length;
  const k = spec.components.length;
  if (d < 1 || k < 1)
    throw new Error(`a PCA head needs D ≥ 1 inputs and k ≥ 1 components, got D=${d}, k=${k}`);
  // W is [D, k] row-major: W[i, c] = components[c][i].
  const weights = new Float64Array(d * k);
  spec.components.forEach((component, c) => {
    if (component.length !== d)
      throw new Error(`component ${c + 1} has ${component.length} loadings, expected ${d}`);
    for (let i = 0; i < d; i++) {
      const w = component[i]!;
      if (!Number.isFinite(w)) throw new Error(`component ${c + 1} loading ${i} is not finite`);
      weights[i * k + c] = w;
    }
  });
  for (let i = 0; i < d; i++)
    if (!Number.isFinite(spec.mean[i]!)) throw new Error(`mean[${i}] is not finite`);
  return encodeModel({
    irVersion: HEAD_IR_VERSION,
    opsetImport: [{ domain: '', version: HEAD_OPSET }],
    producerName: spec.producer,
    ...(spec.docString ? { docString: spec.docString } : {}),
    graph: {
      name: 'pca_projection',
      node: [
        { opType: 'Sub', name: 'centre', input: [PCA_INPUT, 'mean'], output: ['centred'] },
        { opType: 'MatMul', name: 'project', input: ['centred', 'loadings'], output: [PCA_OUTPUT] },
      ],
      initializer: [
        constantTensor('mean', [d], spec.mean, 'float64'),
        constantTensor('loadings', [d, k], weights, 'float64'),
      ],
      input: [valueInfo(PCA_INPUT, TensorDataType.DOUBLE, ['N', d])],
      output: [valueInfo(PCA_OUTPUT, TensorDataType.DOUBLE, ['N', k])],
    },
  });
}
