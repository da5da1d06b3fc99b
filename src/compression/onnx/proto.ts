/**
 * A minimal protobuf writer for the parts of onnx.proto an exported inference graph needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers
 * follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto; only what Squish writes is covered.
 */

/** Appends protobuf fields to a growing byte list. */
class Writer {
  readonly #bytes: number[] = [];

  #varint(value: bigint): void {
    // int64 fields are two's complement on the wire: a negative value takes ten bytes.
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.#bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#bytes.push(Number(v));
  }

  #tag(field: number, wireType: 0 | 2 | 5): void {
    this.#varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number): this {
    this.#tag(field, 0);
    this.#varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.#tag(field, 5);
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.#bytes.push(view.getUint8(i));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(value.length));
    for (const b of value) this.#bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** TensorProto.DataType FLOAT: every value Squish exports is float32. */
export const FLOAT = 1;

export interface Tensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: typeof FLOAT;
  readonly data: Float32Array;
}

export type AttributeValue = number | readonly number[] | { readonly float: number };

export interface Node {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Plain numbers and number arrays are INT/INTS; `{ float }` is FLOAT. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface ValueInfo {
  readonly name: string;
  /** `null` marks a dimension left symbolic (the batch). */
  readonly shape: readonly (number | null)[];
}

export interface Model {
  readonly graphName: string;
  readonly opset: number;
  readonly nodes: readonly Node[];
  readonly initializers: readonly Tensor[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

// AttributeProto.AttributeType values.
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): Uint8Array {
  const w = new Writer().string(1, name);
  if (typeof value === 'number') return w.int(3, value).int(20, ATTR_INT).finish();
  if ('float' in value) return w.float(2, value.float).int(20, ATTR_FLOAT).finish();
  for (const v of value as readonly number[]) w.int(8, v);
  return w.int(20, ATTR_INTS).finish();
}

function node(n: Node): Uint8Array {
  const w = new Writer();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name).string(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.bytes(5, attribute(name, value));
  return w.finish();
}

function tensor(t: Tensor): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  // raw_data is little-endian; so are the typed arrays on every platform Node supports.
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return w.int(2, t.dataType).string(8, t.name).bytes(9, raw).finish();
}

function valueInfo(v: ValueInfo): Uint8Array {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = d === null ? new Writer().string(2, 'batch') : new Writer().int(1, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new Writer().int(1, FLOAT).bytes(2, shape.finish()).finish();
  const type = new Writer().bytes(1, tensorType).finish();
  return new Writer().string(1, v.name).bytes(2, type).finish();
}

/** The serialized ModelProto. */
export function encodeModel(m: Model, producerVersion: string): Uint8Array {
  const graph = new Writer();
  for (const n of m.nodes) graph.bytes(1, node(n));
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.bytes(5, tensor(t));
  for (const v of m.inputs) graph.bytes(11, valueInfo(v));
  for (const v of m.outputs) graph.bytes(12, valueInfo(v));
  const opset = new Writer().string(1, '').int(2, m.opset).finish();
  return new Writer()
    .int(1, 8) // IR version 8: ONNX 1.10+, enough for opset 13.
    .string(2, 'squish')
    .string(3, producerVersion)
    .bytes(7, graph.finish())
    .bytes(8, opset)
    .finish();
}
