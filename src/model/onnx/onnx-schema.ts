/**
 * The subset of the ONNX protobuf schema this project writes and reads, declared with the
 * protobufjs reflection API so that no `.proto` file has to be loaded at run time.
 *
 * Field numbers and enum values are those of onnx/onnx `onnx/onnx.proto` (proto2, package `onnx`;
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto). Only the wire numbers matter for
 * compatibility; field names are the proto names in camelCase, as protobufjs' own code generator
 * spells them. Fields we never use (sparse tensors, training info, functions, ...) are left out:
 * protobuf readers skip unknown fields, so a model carrying them still decodes.
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values (onnx.proto `enum DataType`). */
export const TensorDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType values (onnx.proto `enum AttributeType`). */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

const descriptor: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        // message AttributeProto
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            refAttrName: { type: 'string', id: 21 },
            docString: { type: 'string', id: 13 },
            // enum AttributeType: an enum is a varint on the wire, so int32 is wire-identical.
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            tensors: { rule: 'repeated', type: 'TensorProto', id: 10 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
          },
        },
        // message ValueInfoProto
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        // message NodeProto
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        // message ModelProto
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        // message StringStringEntryProto
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        // message GraphProto
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        // message TensorProto (segment, external data and data_location are not used here)
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int32Data: { rule: 'repeated', type: 'int32', id: 5 },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: { rule: 'repeated', type: 'double', id: 10 },
            uint64Data: { rule: 'repeated', type: 'uint64', id: 11 },
            docString: { type: 'string', id: 12 },
          },
        },
        // message TensorShapeProto { message Dimension { oneof value { dim_value = 1; dim_param = 2 } } }
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dimension', id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        // message TypeProto { message Tensor; oneof value { tensor_type = 1; ... } }
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        // message OperatorSetIdProto
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const ModelProtoType: protobuf.Type = root.lookupType('onnx.ModelProto');

// Plain-object views of the messages, as written to `encode` and read back with
// `toObject(..., { longs: Number, bytes: Uint8Array-compatible })`. int64 values are numbers:
// the dimensions and versions used here are far below 2^53.

export interface OperatorSetId {
  domain?: string;
  version: number;
}

export interface StringStringEntry {
  key: string;
  value: string;
}

export interface Dimension {
  dimValue?: number;
  dimParam?: string;
}

export interface TypeProtoObject {
  tensorType?: { elemType: number; shape?: { dim?: Dimension[] } };
}

export interface ValueInfo {
  name: string;
  type?: TypeProtoObject;
  docString?: string;
}

export interface TensorObject {
  name?: string;
  dims?: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  doubleData?: number[];
  docString?: string;
}

export interface AttributeObject {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

export interface NodeObject {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeObject[];
  docString?: string;
}

export interface GraphObject {
  name?: string;
  node: NodeObject[];
  initializer?: TensorObject[];
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo?: ValueInfo[];
  docString?: string;
}

export interface ModelObject {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: GraphObject;
  metadataProps?: StringStringEntry[];
}

/** A tensor ValueInfo; string dimensions are symbolic (dim_param), numbers fixed (dim_value). */
export function valueInfo(name: string, elemType: number, dims: (string | number)[]): ValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Serialises a model; `verify` catches shape mistakes (wrong field types) before they hit the wire. */
export function encodeModel(model: ModelObject): Uint8Array {
  const problem = ModelProtoType.verify(model);
  if (problem) throw new Error(`invalid ONNX ModelProto: ${problem}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/** Parses an ONNX file; int64 fields come back as numbers, repeated fields as (possibly empty) arrays. */
export function decodeModel(bytes: Uint8Array): ModelObject {
  const message = ModelProtoType.decode(bytes);
  return ModelProtoType.toObject(message, { longs: Number, arrays: true, defaults: false }) as ModelObject;
}

export type FloatElementType = 'float64' | 'float32';

/**
 * A constant tensor stored in TensorProto.raw_data, which onnx.proto requires to be fixed-width
 * little-endian IEEE 754; written through a DataView so the host's byte order does not matter.
 */
export function constantTensor(
  name: string,
  dims: number[],
  values: ArrayLike<number>,
  type: FloatElementType,
): TensorObject {
  const width = type === 'float64' ? 8 : 4;
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (type === 'float64') view.setFloat64(i * width, values[i]!, true);
    else view.setFloat32(i * width, values[i]!, true);
  }
  return {
    name,
    dims,
    dataType: type === 'float64' ? TensorDataType.DOUBLE : TensorDataType.FLOAT,
    rawData: raw,
  };
}
