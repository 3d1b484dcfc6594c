/**
 * Writes a logistic-regression head as an ONNX model:
 *
 *   features [N,k] ─Sub(mean)─Div(scale)─MatMul(W [k,1])─Add(b [1])─▶ logit [N,1] ─Sigmoid─▶ probability [N,1]
 *
 * i.e. P = 1 / (1 + exp(-(b + Σ_i w_i (x_i − m_i) / s_i))), the standard logistic model on
 * z-scored inputs. Sub and Div are left out when no scaler is given. Operators: ONNX Sub, Div,
 * MatMul, Add (multidirectional broadcasting) and Sigmoid, all defined for float and double
 * (https://onnx.ai/onnx/operators/). Training reuses this writer for its scaler + linear + sigmoid
 * heads, so it stays free of anything clinical.
 */
import {
  constantTensor as tensor,
  encodeModel,
  TensorDataType,
  valueInfo,
  type FloatElementType,
  type NodeObject,
  type TensorObject,
} from './onnx-schema.ts';

/** IR version 8 (ONNX 1.10+) with the default-domain opset 17 (ONNX 1.12); ORT 1.30 runs both. */
export const HEAD_IR_VERSION = 8;
export const HEAD_OPSET = 17;

export const HEAD_LOGIT_OUTPUT = 'logit';
export const HEAD_PROBABILITY_OUTPUT = 'probability';

export type HeadElementType = FloatElementType;

export interface LogisticHeadSpec {
  /** Name of the graph input, a [N, featureCount] tensor. */
  inputName: string;
  featureCount: number;
  /** Per-feature centre subtracted first (z-scoring); omit for no centring. */
  mean?: readonly number[];
  /** Per-feature divisor applied after centring; omit for no scaling. */
  scale?: readonly number[];
  /** One weight per feature, in input order. */
  coefficients: readonly number[];
  intercept: number;
  /** ModelProto.producer_name, e.g. "axilla-cds". */
  producer: string;
  producerVersion?: string;
  docString?: string;
  /** Written to ModelProto.metadata_props; keys are sorted so the bytes are reproducible. */
  metadata?: Readonly<Record<string, string>>;
  /** Element type of the input, parameters and outputs; float64 unless a float32 model is wanted. */
  elementType?: HeadElementType;
}

/** Builds the ONNX model bytes for a logistic head. Same spec in, same bytes out. */
export function buildLogisticHead(spec: LogisticHeadSpec): Uint8Array {
  const k = spec.featureCount;
  if (!Number.isInteger(k) || k < 1) throw new Error(`featureCount must be a positive integer, got ${k}`);
  if (!spec.inputName) throw new Error('inputName must not be empty');
  checkVector('coefficients', spec.coefficients, k);
  if (!Number.isFinite(spec.intercept)) throw new Error('intercept must be a finite number');
  if (spec.mean) checkVector('mean', spec.mean, k);
  if (spec.scale) {
    checkVector('scale', spec.scale, k);
    const bad = spec.scale.findIndex((s) => s === 0);
    if (bad >= 0) throw new Error(`scale[${bad}] is 0; a zero divisor would give Inf`);
  }

  const elementType = spec.elementType ?? 'float64';
  const dataType = elementType === 'float64' ? TensorDataType.DOUBLE : TensorDataType.FLOAT;
  const initializer: TensorObject[] = [];
  const node: NodeObject[] = [];
  let current = spec.inputName;

  if (spec.mean) {
    initializer.push(tensor('mean', [k], spec.mean, elementType));
    node.push({ opType: 'Sub', name: 'centre', input: [current, 'mean'], output: ['centred'] });
    current = 'centred';
  }
  if (spec.scale) {
    initializer.push(tensor('scale', [k], spec.scale, elementType));
    node.push({ opType: 'Div', name: 'standardise', input: [current, 'scale'], output: ['standardised'] });
    current = 'standardised';
  }
  initializer.push(tensor('weights', [k, 1], spec.coefficients, elementType));
  initializer.push(tensor('intercept', [1], [spec.intercept], elementType));
  node.push(
    { opType: 'MatMul', name: 'linear', input: [current, 'weights'], output: ['linear'] },
    { opType: 'Add', name: 'add_intercept', input: ['linear', 'intercept'], output: [HEAD_LOGIT_OUTPUT] },
    { opType: 'Sigmoid', name: 'sigmoid', input: [HEAD_LOGIT_OUTPUT], output: [HEAD_PROBABILITY_OUTPUT] },
  );

  const metadata = Object.entries(spec.metadata ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));

  return encodeModel({
    irVersion: HEAD_IR_VERSION,
    opsetImport: [{ domain: '', version: HEAD_OPSET }],
    producerName: spec.producer,
    ...(spec.producerVersion ? { producerVersion: spec.producerVersion } : {}),
    ...(spec.docString ? { docString: spec.docString } : {}),
    graph: {
      name: 'logistic_head',
      node,
      initializer,
      input: [valueInfo(spec.inputName, dataType, ['N', k])],
      output: [
        valueInfo(HEAD_LOGIT_OUTPUT, dataType, ['N', 1]),
        valueInfo(HEAD_PROBABILITY_OUTPUT, dataType, ['N', 1]),
      ],
    },
    ...(metadata.length > 0 ? { metadataProps: metadata } : {}),
  });
}

function checkVector(name: string, values: readonly number[], length: number): void {
  if (values.length !== length) throw new Error(`${name} has ${values.length} values, expected ${length}`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${name}[${bad}] is not a finite number`);
}
