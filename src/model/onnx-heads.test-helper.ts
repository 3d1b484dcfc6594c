/**
 * Classifier heads shaped like those scikit-learn (skl2onnx) and PyTorch (torch.onnx.export)
 * write, encoded by a minimal protobuf writer of its own. It deliberately shares nothing with the
 * project's ONNX writer (src/model/onnx/*, which goes through protobufjs): a mistake there cannot
 * be mirrored here, so a classifier that reads these heads reads ONNX, not our own dialect of it.
 *
 * Field numbers and wire rules are those of onnx/onnx `onnx/onnx.proto` (proto2, package onnx;
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) and the protobuf encoding guide
 * (https://protobuf.dev/programming-guides/encoding/): a field is a varint key (number << 3 |
 * wire type) followed by a varint (wire type 0), 4 little-endian bytes (wire type 5) or a
 * varint length and that many bytes (wire type 2: strings, bytes, sub-messages, packed arrays).
 * Proto2 repeated scalars are written unpacked except where onnx.proto says `[packed = true]`.
 */

// ---------------------------------------------------------------------------------------------
// Wire format

type Bytes = number[];

/** Base-128 varint; negative int64 values take 10 bytes as two's complement (protobuf rule). */
function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const key = (field: number, wire: number): Bytes => varint((field << 3) | wire);
const intField = (field: number, value: number | bigint): Bytes => [
  ...key(field, WIRE_VARINT),
  ...varint(value),
];
const lenField = (field: number, body: ArrayLike<number>): Bytes => [
  ...key(field, WIRE_LEN),
  ...varint(body.length),
  ...Array.from(body),
];
const stringField = (field: number, s: string): Bytes => lenField(field, new TextEncoder().encode(s));
const messageField = (field: number, ...parts: Bytes[]): Bytes => lenField(field, parts.flat());
const floatField = (field: number, f: number): Bytes => {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f, true);
  return [...key(field, WIRE_I32), ...new Uint8Array(view.buffer)];
};

// ---------------------------------------------------------------------------------------------
// ONNX messages (onnx.proto field numbers in the comments)

/** TensorProto.DataType (onnx.proto): FLOAT = 1, INT64 = 7, DOUBLE = 11. */
export type ElemType = 'float32' | 'float64' | 'int64';
const DATA_TYPE: Record<ElemType, number> = { float32: 1, int64: 7, float64: 11 };

/** A dimension: a fixed size, a symbolic name (dim_param), or null for one with neither. */
export type Dim = number | string | null;

export interface TensorInit {
  name: string;
  elem: ElemType;
  dims: number[];
  values: readonly number[];
}

/** TensorProto: dims = 1 (repeated int64), data_type = 2, name = 8, raw_data = 9 (little-endian). */
function tensorProto(t: TensorInit): Bytes {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.values.length) throw new Error(`${t.name}: ${t.values.length} values for dims ${t.dims}`);
  const width = t.elem === 'float32' ? 4 : 8;
  const view = new DataView(new ArrayBuffer(count * width));
  t.values.forEach((v, i) => {
    if (t.elem === 'float32') view.setFloat32(i * 4, v, true);
    else if (t.elem === 'float64') view.setFloat64(i * 8, v, true);
    else view.setBigInt64(i * 8, BigInt(v), true);
  });
  return [
    ...t.dims.flatMap((d) => intField(1, d)),
    ...intField(2, DATA_TYPE[t.elem]),
    ...stringField(8, t.name),
    ...lenField(9, new Uint8Array(view.buffer)),
  ];
}

/** TensorShapeProto: dim = 1; Dimension: dim_value = 1, dim_param = 2. */
function shapeProto(shape: readonly Dim[]): Bytes {
  return shape.flatMap((d) =>
    messageField(1, d === null ? [] : typeof d === 'number' ? intField(1, d) : stringField(2, d)),
  );
}

/**
 * A graph value's type. `seq-map` is ZipMap's output, seq(map(int64, float)): TypeProto
 * sequence_type = 4 → Sequence.elem_type = 1 → TypeProto map_type = 5 → Map.key_type = 1,
 * value_type = 2.
 */
export type ValueType = { elem: ElemType; shape?: readonly Dim[] } | 'seq-map';

/** TypeProto: tensor_type = 1 → Tensor.elem_type = 1, shape = 2. */
function typeProto(type: ValueType): Bytes {
  if (type === 'seq-map') {
    const floatTensor = messageField(1, intField(1, DATA_TYPE.float32));
    const map = messageField(5, intField(1, DATA_TYPE.int64), messageField(2, floatTensor));
    return messageField(4, messageField(1, map));
  }
  return messageField(
    1,
    intField(1, DATA_TYPE[type.elem]),
    type.shape ? messageField(2, shapeProto(type.shape)) : [],
  );
}

export interface ValueInfo {
  name: string;
  type: ValueType;
}

/** ValueInfoProto: name = 1, type = 2. */
const valueInfoProto = (v: ValueInfo): Bytes => [
  ...stringField(1, v.name),
  ...messageField(2, typeProto(v.type)),
];

export type AttributeValue =
  { int: number } | { ints: number[] } | { float: number } | { floats: number[] } | { string: string };

/**
 * AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, type = 20 with
 * AttributeType FLOAT = 1, INT = 2, STRING = 3, FLOATS = 6, INTS = 7.
 */
function attributeProto(name: string, a: AttributeValue): Bytes {
  const head = stringField(1, name);
  if ('int' in a) return [...head, ...intField(3, a.int), ...intField(20, 2)];
  if ('float' in a) return [...head, ...floatField(2, a.float), ...intField(20, 1)];
  if ('string' in a) return [...head, ...stringField(4, a.string), ...intField(20, 3)];
  if ('floats' in a) return [...head, ...a.floats.flatMap((f) => floatField(7, f)), ...intField(20, 6)];
  return [...head, ...a.ints.flatMap((i) => intField(8, i)), ...intField(20, 7)];
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7. */
function nodeProto(n: NodeSpec, index: number): Bytes {
  return [
    ...n.inputs.flatMap((i) => stringField(1, i)),
    ...n.outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${n.op}_${index}`),
    ...stringField(4, n.op),
    ...Object.entries(n.attributes ?? {}).flatMap(([name, a]) => messageField(5, attributeProto(name, a))),
    ...(n.domain ? stringField(7, n.domain) : []),
  ];
}

export interface ModelSpec {
  /** Default-domain opset; `ml` adds ai.onnx.ml at that version (ZipMap, LinearClassifier). */
  opset: number;
  ml?: number;
  producer: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: NodeSpec[];
  initializers: TensorInit[];
}

/**
 * ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8
 * (OperatorSetIdProto: domain = 1, version = 2). GraphProto: node = 1, name = 2,
 * initializer = 5, input = 11, output = 12. IR version 8 is what ONNX 1.10–1.12 write; ORT 1.30
 * reads it.
 */
export function encodeModel(m: ModelSpec): Uint8Array {
  const graph = [
    ...m.nodes.flatMap((n, i) => messageField(1, nodeProto(n, i))),
    ...stringField(2, 'head'),
    ...m.initializers.flatMap((t) => messageField(5, tensorProto(t))),
    ...m.inputs.flatMap((v) => messageField(11, valueInfoProto(v))),
    ...m.outputs.flatMap((v) => messageField(12, valueInfoProto(v))),
  ];
  const opsets = [
    messageField(8, stringField(1, ''), intField(2, m.opset)),
    ...(m.ml ? [messageField(8, stringField(1, 'ai.onnx.ml'), intField(2, m.ml))] : []),
  ];
  return Uint8Array.from([
    ...intField(1, 8),
    ...stringField(2, m.producer),
    ...messageField(7, graph),
    ...opsets.flat(),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Heads

export interface LinearParams {
  weights: readonly number[];
  intercept: number;
}

/** The textbook logistic model in float64: P = 1 / (1 + exp(−(b + Σ w_i x_i))). */
export function logisticOf(p: LinearParams, x: readonly number[]): number {
  let z = p.intercept;
  p.weights.forEach((w, i) => (z += w * x[i]!));
  return 1 / (1 + Math.exp(-z));
}

/**
 * scikit-learn style binary head, as skl2onnx writes a LogisticRegression with zipmap=False on
 * its Gemm/Softmax route: X [?, k] → Gemm(W [k, 2], C [2]) → scores [?, 2] → Softmax(axis 1) →
 * `probabilities` [?, 2], and ArgMax(scores) → `label` int64 [?]. Class scores are ±z/2 (z = b +
 * w·x), the symmetric form a multinomial fit gives; softmax([−z/2, z/2])[1] = 1/(1+e^−z), so the
 * class-1 column is the logistic model. `zipmap: true` appends ZipMap (ai.onnx.ml), as skl2onnx
 * does by default, giving `output_probability`, a sequence of maps. `k` overrides the declared
 * feature dimension and `classes` the declared class dimension (to build wrong heads).
 */
export function sklearnSoftmaxHead(
  p: LinearParams,
  options: { inputName?: string; batch?: Dim; k?: number; classes?: Dim; zipmap?: boolean } = {},
): Uint8Array {
  const k = options.k ?? p.weights.length;
  const inputName = options.inputName ?? 'X';
  const half = (v: number): number => v / 2;
  // Row-major [k, 2]: row i is (−w_i/2, w_i/2).
  const W = p.weights.flatMap((w) => [-half(w), half(w)]);
  const nodes: NodeSpec[] = [
    { op: 'Gemm', inputs: [inputName, 'coef', 'intercept'], outputs: ['scores'] },
    { op: 'Softmax', inputs: ['scores'], outputs: ['probabilities'], attributes: { axis: { int: 1 } } },
    {
      op: 'ArgMax',
      inputs: ['scores'],
      outputs: ['label'],
      attributes: { axis: { int: 1 }, keepdims: { int: 0 } },
    },
  ];
  const outputs: ValueInfo[] = [
    { name: 'label', type: { elem: 'int64', shape: [options.batch ?? null] } },
    {
      name: 'probabilities',
      type: { elem: 'float32', shape: [options.batch ?? null, options.classes ?? 2] },
    },
  ];
  if (options.zipmap) {
    nodes.push({
      op: 'ZipMap',
      domain: 'ai.onnx.ml',
      inputs: ['probabilities'],
      outputs: ['output_probability'],
      attributes: { classlabels_int64s: { ints: [0, 1] } },
    });
    outputs.push({ name: 'output_probability', type: 'seq-map' });
  }
  return encodeModel({
    opset: 13,
    ...(options.zipmap ? { ml: 1 } : {}),
    producer: 'skl2onnx-like test head',
    inputs: [{ name: inputName, type: { elem: 'float32', shape: [options.batch ?? null, k] } }],
    outputs,
    nodes,
    initializers: [
      { name: 'coef', elem: 'float32', dims: [p.weights.length, 2], values: W },
      { name: 'intercept', elem: 'float32', dims: [2], values: [-half(p.intercept), half(p.intercept)] },
    ],
  });
}

/**
 * scikit-learn style binary head on skl2onnx's float32 route, the ai.onnx.ml LinearClassifier:
 * coefficients rows (−w, w), intercepts (−b, b), post_transform LOGISTIC, so the `probabilities`
 * [?, 2] columns are σ(−z) = 1 − σ(z) and σ(z); `label` is int64.
 */
export function sklearnLinearClassifierHead(p: LinearParams): Uint8Array {
  const k = p.weights.length;
  return encodeModel({
    opset: 13,
    ml: 1,
    producer: 'skl2onnx-like test head',
    inputs: [{ name: 'X', type: { elem: 'float32', shape: [null, k] } }],
    outputs: [
      { name: 'label', type: { elem: 'int64', shape: [null] } },
      { name: 'probabilities', type: { elem: 'float32', shape: [null, 2] } },
    ],
    nodes: [
      {
        op: 'LinearClassifier',
        domain: 'ai.onnx.ml',
        inputs: ['X'],
        outputs: ['label', 'probabilities'],
        attributes: {
          classlabels_ints: { ints: [0, 1] },
          coefficients: { floats: [...p.weights.map((w) => -w), ...p.weights] },
          intercepts: { floats: [-p.intercept, p.intercept] },
          multi_class: { int: 0 },
          post_transform: { string: 'LOGISTIC' },
        },
      },
    ],
    initializers: [],
  });
}

/**
 * PyTorch style head, as torch.onnx.export writes an nn.Linear(k, 1) with dynamic_axes on the
 * batch: `features` [batch, k] → MatMul(W [k, 1]) → Add(b [1]) → `logit` [batch, 1]. `gemm`
 * writes the older exporter's form instead, Gemm(features, weight [1, k], bias, transB = 1).
 */
export function torchLogitHead(
  p: LinearParams,
  options: { gemm?: boolean; batch?: Dim; inputShape?: readonly Dim[] } = {},
): Uint8Array {
  const k = p.weights.length;
  const batch = options.batch ?? 'batch';
  const nodes: NodeSpec[] = options.gemm
    ? [
        {
          op: 'Gemm',
          inputs: ['features', 'weight', 'bias'],
          outputs: ['logit'],
          attributes: { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } },
        },
      ]
    : [
        { op: 'MatMul', inputs: ['features', 'weight'], outputs: ['linear'] },
        { op: 'Add', inputs: ['linear', 'bias'], outputs: ['logit'] },
      ];
  return encodeModel({
    opset: 17,
    producer: 'pytorch-like test head',
    inputs: [{ name: 'features', type: { elem: 'float32', shape: options.inputShape ?? [batch, k] } }],
    outputs: [{ name: 'logit', type: { elem: 'float32', shape: [batch, 1] } }],
    nodes,
    initializers: [
      { name: 'weight', elem: 'float32', dims: options.gemm ? [1, k] : [k, 1], values: p.weights },
      { name: 'bias', elem: 'float32', dims: [1], values: [p.intercept] },
    ],
  });
}

/**
 * A float64 head giving P directly as a 1-D output: `x` [N, k] → MatMul(w [k]) → [N] → Add(b)
 * → Sigmoid → `p` [N]. `sigmoid: false` leaves the logit in `p`, a head that wrongly claims to
 * give probabilities.
 */
export function sigmoidHead(
  p: LinearParams,
  options: { inputShape?: readonly Dim[]; sigmoid?: boolean } = {},
): Uint8Array {
  const k = p.weights.length;
  const sigmoid = options.sigmoid ?? true;
  return encodeModel({
    opset: 17,
    producer: 'sigmoid test head',
    inputs: [{ name: 'x', type: { elem: 'float64', shape: options.inputShape ?? ['N', k] } }],
    outputs: [{ name: 'p', type: { elem: 'float64', shape: ['N'] } }],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['wx'] },
      { op: 'Add', inputs: ['wx', 'b'], outputs: sigmoid ? ['z'] : ['p'] },
      ...(sigmoid ? [{ op: 'Sigmoid', inputs: ['z'], outputs: ['p'] }] : []),
    ],
    initializers: [
      { name: 'w', elem: 'float64', dims: [k], values: p.weights },
      { name: 'b', elem: 'float64', dims: [], values: [p.intercept] },
    ],
  });
}
