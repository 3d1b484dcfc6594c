/**
 * Reads back what matters about an ONNX model without running it: graph inputs and outputs with
 * their element types and shapes, opsets, metadata and the float/double initializers. Used to
 * double-check written heads and as a fallback when a runtime does not report input types.
 */
import { decodeModel, TensorDataType, type TensorObject, type TypeProtoObject } from './onnx-schema.ts';

export interface TensorSignature {
  name: string;
  /** TensorProto.DataType of the elements, 0 when the value is not a tensor. */
  elemType: number;
  /** Fixed sizes as numbers, symbolic ones as their names, unknown as null; null when no shape is declared. */
  shape: (number | string | null)[] | null;
}

export interface ModelSummary {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Float and double initializers decoded to numbers; other types are skipped. */
  initializers: Record<string, { dims: number[]; values: number[] }>;
  metadata: Record<string, string>;
}

export function inspectModel(bytes: Uint8Array): ModelSummary {
  const model = decodeModel(bytes);
  const graph = model.graph;
  const initializers: ModelSummary['initializers'] = {};
  for (const t of graph?.initializer ?? []) {
    const values = tensorValues(t);
    if (values && t.name) initializers[t.name] = { dims: t.dims ?? [], values };
  }
  return {
    irVersion: model.irVersion ?? 0,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 })),
    producerName: model.producerName ?? '',
    inputs: (graph?.input ?? []).map((v) => signature(v.name, v.type)),
    outputs: (graph?.output ?? []).map((v) => signature(v.name, v.type)),
    initializers,
    metadata: Object.fromEntries((model.metadataProps ?? []).map((e) => [e.key, e.value])),
  };
}

function signature(name: string, type: TypeProtoObject | undefined): TensorSignature {
  const tensorType = type?.tensorType;
  const dims = tensorType?.shape?.dim;
  return {
    name,
    elemType: tensorType?.elemType ?? 0,
    shape: dims ? dims.map((d) => d.dimValue ?? d.dimParam ?? null) : null,
  };
}

/** Decodes FLOAT/DOUBLE data from raw_data (little-endian, onnx.proto) or the typed repeated fields. */
function tensorValues(t: TensorObject): number[] | null {
  const width = t.dataType === TensorDataType.DOUBLE ? 8 : t.dataType === TensorDataType.FLOAT ? 4 : 0;
  if (width === 0) return null;
  if (t.rawData && t.rawData.length > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out: number[] = [];
    for (let at = 0; at + width <= t.rawData.byteLength; at += width) {
      out.push(width === 8 ? view.getFloat64(at, true) : view.getFloat32(at, true));
    }
    return out;
  }
  return [...(width === 8 ? (t.doubleData ?? []) : (t.floatData ?? []))];
}
