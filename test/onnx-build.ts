// A small ONNX writer for tests: models described as plain objects (nodes, initializers with
// their storage, inputs, outputs, opset), written as protobuf bytes by the field numbers of
// onnx.proto, so tests can build the graphs an importer must take or refuse, and break them on
// purpose (wrong dims, missing initializers, cycles, huge declared sizes).

export interface TensorDesc {
  name: string;
  dims: number[];
  values: number[];
  /** 1 float (default), 11 double, 10 float16, 7 int64. */
  dataType?: number;
  /** raw_data (default) or the typed field (float_data, double_data, int64_data). */
  storage?: 'raw' | 'typed';
  /** Declared raw bytes instead of the encoded values (to lie about the size). */
  rawOverride?: Uint8Array;
}
export interface NodeDesc {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, number | number[] | { float: number } | TensorDesc>;
}
export interface ModelDesc {
  opset?: number;
  inputs: string[];
  outputs: string[];
  nodes: NodeDesc[];
  initializers: TensorDesc[];
}

const enc = new TextEncoder();

function varint(v: number | bigint): number[] {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}
const cat = (parts: (Uint8Array | number[])[]) => {
  const flat = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(flat.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of flat) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const key = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, v: number) => cat([key(field, 0), varint(v)]);
const bytes = (field: number, payload: Uint8Array) => cat([key(field, 2), varint(payload.length), payload]);
const str = (field: number, s: string) => bytes(field, enc.encode(s));
const f32 = (field: number, v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return cat([key(field, 5), b]);
};

function f16(v: number): number {
  // Round-to-nearest float16 for test values (normal range only).
  if (v === 0) return 0;
  const s = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return s | ((e + 15) << 10) | (m & 0x3ff);
}

export function tensor(t: TensorDesc): Uint8Array {
  const dt = t.dataType ?? 1;
  const parts: Uint8Array[] = t.dims.map((d) => int(1, d));
  parts.push(int(2, dt), str(8, t.name));
  if (t.rawOverride) parts.push(bytes(9, t.rawOverride));
  else if ((t.storage ?? 'raw') === 'raw') {
    const size = { 1: 4, 11: 8, 10: 2, 7: 8 }[dt] ?? 4;
    const raw = new Uint8Array(t.values.length * size);
    const dv = new DataView(raw.buffer);
    t.values.forEach((v, i) => {
      if (dt === 1) dv.setFloat32(4 * i, v, true);
      else if (dt === 11) dv.setFloat64(8 * i, v, true);
      else if (dt === 10) dv.setUint16(2 * i, f16(v), true);
      else dv.setBigInt64(8 * i, BigInt(v), true);
    });
    parts.push(bytes(9, raw));
  } else if (dt === 1) {
    const raw = new Uint8Array(t.values.length * 4);
    t.values.forEach((v, i) => new DataView(raw.buffer).setFloat32(4 * i, v, true));
    parts.push(bytes(4, raw));
  } else if (dt === 11) {
    const raw = new Uint8Array(t.values.length * 8);
    t.values.forEach((v, i) => new DataView(raw.buffer).setFloat64(8 * i, v, true));
    parts.push(bytes(10, raw));
  } else if (dt === 7) {
    parts.push(bytes(7, cat(t.values.map((v) => varint(v)))));
  } else {
    parts.push(bytes(5, cat(t.values.map((v) => varint(f16(v))))));
  }
  return cat(parts);
}

function attribute(name: string, v: NonNullable<NodeDesc['attrs']>[string]): Uint8Array {
  if (typeof v === 'number') return cat([str(1, name), int(3, v), int(20, 2)]);
  if (Array.isArray(v)) return cat([str(1, name), ...v.map((x) => int(8, x)), int(20, 7)]);
  if ('float' in v) return cat([str(1, name), f32(2, v.float), int(20, 1)]);
  return cat([str(1, name), bytes(5, tensor(v)), int(20, 4)]);
}

/** ValueInfoProto: the name and a float tensor type of unknown shape (ORT needs the type). */
function valueInfo(field: number, name: string): Uint8Array {
  const tensorType = bytes(1 /* TypeProto.tensor_type */, int(1 /* elem_type */, 1));
  return bytes(field, cat([str(1, name), bytes(2 /* type */, tensorType)]));
}

export function model(m: ModelDesc): Uint8Array {
  const nodes = m.nodes.map((n, i) =>
    bytes(1, cat([
      ...n.inputs.map((s) => str(1, s)),
      ...n.outputs.map((s) => str(2, s)),
      str(3, n.name ?? `n${i}`),
      str(4, n.op),
      ...Object.entries(n.attrs ?? {}).map(([k, v]) => bytes(5, attribute(k, v))),
    ])),
  );
  const graph = cat([
    ...nodes,
    str(2, 'g'),
    ...m.initializers.map((t) => bytes(5, tensor(t))),
    ...m.inputs.map((s) => valueInfo(11, s)),
    ...m.outputs.map((s) => valueInfo(12, s)),
  ]);
  return cat([int(1, 8), str(2, 'onnx-build'), bytes(7, graph), bytes(8, cat([str(1, ''), int(2, m.opset ?? 13)]))]);
}

/** A valid dense chain: Gemm (transB 1) or MatMul + Add per layer, then its activation. */
export function denseChain(
  sizes: number[], activations: string[], forms: ('gemm' | 'matmul')[], values: (n: number) => number[],
): { desc: ModelDesc; weights: number[][]; biases: number[][] } {
  const nodes: NodeDesc[] = [];
  const initializers: TensorDesc[] = [];
  const weights: number[][] = [];
  const biases: number[][] = [];
  let cur = 'x';
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, units] = [sizes[l], sizes[l + 1]];
    const w = values(units * fanIn); // out x in
    const b = values(units);
    weights.push(w);
    biases.push(b);
    if (forms[l] === 'gemm') {
      initializers.push({ name: `W${l}`, dims: [units, fanIn], values: w }, { name: `b${l}`, dims: [units], values: b });
      nodes.push({ op: 'Gemm', inputs: [cur, `W${l}`, `b${l}`], outputs: [`z${l}`], attrs: { transB: 1 } });
    } else {
      const wt = Array.from({ length: fanIn * units }, (_, i) => w[(i % units) * fanIn + Math.floor(i / units)]); // in x out
      initializers.push({ name: `W${l}`, dims: [fanIn, units], values: wt, storage: 'typed' }, { name: `b${l}`, dims: [units], values: b, storage: 'typed' });
      nodes.push({ op: 'MatMul', inputs: [cur, `W${l}`], outputs: [`m${l}`] }, { op: 'Add', inputs: [`m${l}`, `b${l}`], outputs: [`z${l}`] });
    }
    cur = `z${l}`;
    if (activations[l] !== 'Linear') {
      nodes.push({ op: activations[l], inputs: [cur], outputs: [`a${l}`] });
      cur = `a${l}`;
    }
  }
  nodes[nodes.length - 1].outputs = ['y'];
  return { desc: { inputs: ['x'], outputs: ['y'], nodes, initializers }, weights, biases };
}
