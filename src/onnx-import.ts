// Import of ONNX models: the dense graphs that torch.onnx.export (nn.Sequential of Linear and
// activations), skl2onnx (MLPClassifier without ZipMap, MLPRegressor) and tf2onnx (Keras Dense:
// MatMul + Add) produce, read into layers of this library. Untrusted input: the protobuf
// reader checks every length against the bytes that are there before it allocates, tensors
// must hold exactly the values their dims declare, and anything outside the supported subset
// is refused by name (UNSUPPORTED_MODEL) rather than guessed at. Written by hand for the same
// reason as the export (src/onnx.ts): the subset of protobuf needed is small.

import { WasmMlpError, describe } from './errors.js';
import { DEFAULT_ALPHA, type Activation } from './enums.js';
import { defaultAlpha } from './config.js';

/** Layers read from a model: weights "out x in" (this library's layout), biases per unit. */
export interface ImportedModel {
  inputSize: number;
  layers: { units: number; activation: Activation; alpha?: number }[];
  weights: Float32Array[];
  biases: Float32Array[];
  /** Sub(x, mean) and Div(., std) before the first layer (as wasm-mlp exports its normalization). */
  normalization?: { mean: Float32Array; std: Float32Array };
  /** Where the model came from, for messages and summaries. */
  producer: string;
}

const invalid = (message: string) => new WasmMlpError('INVALID_MODEL', `Network.fromONNX: ${message}`);
const unsupported = (message: string) => new WasmMlpError('UNSUPPORTED_MODEL', `Network.fromONNX: ${message}`);

// ---- protobuf wire format ----------------------------------------------------------------

/** One field of a message: its number, wire type and value (a number, or the payload bytes). */
interface WireField {
  field: number;
  wire: number;
  /** Varint or fixed value (wire types 0, 1, 5). */
  num: number;
  /** Length-delimited payload (wire type 2). */
  bytes: Uint8Array | null;
}

/** Splits a message into its fields, checking every length against the bytes present. */
function fields(buf: Uint8Array, what: string): WireField[] {
  const out: WireField[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): number => {
    const [v, next] = readVarint(buf, pos, what);
    pos = next;
    return v;
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw invalid(`${what}: field number 0`);
    if (wire === 0) {
      out.push({ field, wire, num: varint(), bytes: null });
    } else if (wire === 2) {
      const len = varint();
      if (len > buf.length - pos) throw invalid(`${what}: field ${field} declares ${len} bytes but ${buf.length - pos} remain`);
      out.push({ field, wire, num: 0, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      if (pos + 4 > buf.length) throw invalid(`${what}: truncated 32-bit field ${field}`);
      out.push({ field, wire, num: view.getFloat32(pos, true), bytes: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else if (wire === 1) {
      if (pos + 8 > buf.length) throw invalid(`${what}: truncated 64-bit field ${field}`);
      out.push({ field, wire, num: view.getFloat64(pos, true), bytes: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else {
      throw invalid(`${what}: unknown wire type ${wire} (field ${field})`);
    }
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const text = (f: WireField): string => (f.bytes ? utf8.decode(f.bytes) : '');

/**
 * A varint at buf[pos]: [value, next position]. Values are int64 read as exact doubles where
 * they fit (negative ones are two's complement in ten bytes, e.g. axis -1).
 */
function readVarint(buf: Uint8Array, pos: number, what: string): [number, number] {
  let lo = 0; // the first 28 bits, exactly
  let shift = 0;
  let big: bigint | null = null;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw invalid(`${what}: truncated varint`);
    const b = buf[pos++];
    if (i < 4) lo += (b & 0x7f) * 2 ** shift;
    else big = (big ?? BigInt(lo)) + (BigInt(b & 0x7f) << BigInt(shift));
    shift += 7;
    if (b < 0x80) {
      if (big === null) return [lo, pos];
      return [Number(BigInt.asIntN(64, big)), pos];
    }
  }
  throw invalid(`${what}: varint longer than 10 bytes`);
}

/** Packed varints (repeated int64/int32 with [packed = true], proto3's default). */
function packedVarints(bytes: Uint8Array, what: string): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [v, next] = readVarint(bytes, pos, what);
    out.push(v);
    pos = next;
  }
  return out;
}

function repeatedInts(fs: WireField[], field: number, what: string): number[] {
  const out: number[] = [];
  for (const f of fs) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(f.num);
    else if (f.wire === 2) out.push(...packedVarints(f.bytes!, what));
    else throw invalid(`${what}: field ${field} has wire type ${f.wire}`);
  }
  return out;
}

// ---- ONNX messages (onnx.proto field numbers) ---------------------------------------------

const DT = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;
const DT_NAMES: Record<number, string> = { 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };

/** A constant tensor: its dims and values as doubles (floats, or integers for shapes). */
interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  values: Float64Array;
}

/** Largest tensor accepted (elements): the library's own parameter limit. */
const MAX_ELEMENTS = 2 ** 27;

/** An IEEE binary16 value (its 16 bits) as a number. */
export function float16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decodeTensor(buf: Uint8Array, where: string): Tensor {
  const fs = fields(buf, where);
  let name = '';
  let dataType = 0;
  let raw: Uint8Array | null = null;
  let external = false;
  const floatData: number[] = [];
  const doubleData: number[] = [];
  for (const f of fs) {
    if (f.field === 8) name = text(f);
    else if (f.field === 2 && f.wire === 0) dataType = f.num;
    else if (f.field === 9 && f.wire === 2) raw = f.bytes;
    else if (f.field === 13) external = true; // external_data entries
    else if (f.field === 14 && f.wire === 0 && f.num === 1) external = true; // data_location EXTERNAL
    else if (f.field === 4) {
      // float_data: packed (wire 2) or one fixed32 per value (wire 5).
      if (f.wire === 5) floatData.push(f.num);
      else if (f.wire === 2) {
        if (f.bytes!.length % 4) throw invalid(`${where}: float_data of ${f.bytes!.length} bytes`);
        const dv = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.byteLength);
        for (let i = 0; i < f.bytes!.length; i += 4) floatData.push(dv.getFloat32(i, true));
      }
    } else if (f.field === 10) {
      if (f.wire === 1) doubleData.push(f.num);
      else if (f.wire === 2) {
        if (f.bytes!.length % 8) throw invalid(`${where}: double_data of ${f.bytes!.length} bytes`);
        const dv = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.byteLength);
        for (let i = 0; i < f.bytes!.length; i += 8) doubleData.push(dv.getFloat64(i, true));
      }
    }
  }
  const label = `${where} '${name}'`;
  if (external) throw unsupported(`${label} keeps its data in an external file; save the model with its weights inside (onnx.save(..., save_as_external_data=False))`);
  const dims = repeatedInts(fs, 1, label);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw invalid(`${label}: dimension ${d}`);
    count *= d;
    if (count > MAX_ELEMENTS) throw unsupported(`${label}: ${dims.join(' x ')} elements exceed the library's limit of 2^27`);
  }
  const int32Data = dataType === DT.INT32 || dataType === DT.FLOAT16 ? repeatedInts(fs, 5, label) : [];
  const int64Data = dataType === DT.INT64 ? repeatedInts(fs, 7, label) : [];
  const values = new Float64Array(count);
  const size: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.INT64]: 8, [DT.INT32]: 4 };
  if (!(dataType in size)) throw unsupported(`${label} is of type ${DT_NAMES[dataType] ?? dataType}; supported: float, double, float16 (and int64/int32 shapes)`);
  if (raw) {
    if (raw.length !== count * size[dataType]) {
      throw invalid(`${label}: raw_data of ${raw.length} bytes for ${count} ${DT_NAMES[dataType]} values`);
    }
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      if (dataType === DT.FLOAT) values[i] = dv.getFloat32(4 * i, true);
      else if (dataType === DT.DOUBLE) values[i] = dv.getFloat64(8 * i, true);
      else if (dataType === DT.FLOAT16) values[i] = float16(dv.getUint16(2 * i, true));
      else if (dataType === DT.INT32) values[i] = dv.getInt32(4 * i, true);
      else values[i] = Number(dv.getBigInt64(8 * i, true));
    }
  } else {
    const typed =
      dataType === DT.FLOAT ? floatData
      : dataType === DT.DOUBLE ? doubleData
      : dataType === DT.INT64 ? int64Data
      : dataType === DT.INT32 ? int32Data
      : int32Data.map((h) => float16(h & 0xffff));
    if (typed.length !== count) throw invalid(`${label}: holds ${typed.length} values but its dims [${dims.join(', ')}] declare ${count}`);
    values.set(typed);
  }
  return { name, dims, dataType, values };
}

interface Attribute {
  name: string;
  f?: number;
  floats?: number[];
  i?: number;
  ints?: number[];
  t?: Tensor;
  s?: string;
}

interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, Attribute>;
}

function decodeAttribute(buf: Uint8Array, where: string): Attribute {
  const fs = fields(buf, where);
  const a: Attribute = { name: '' };
  for (const f of fs) {
    if (f.field === 1) a.name = text(f);
    else if (f.field === 2 && f.wire === 5) a.f = f.num;
    else if (f.field === 3 && f.wire === 0) a.i = f.num;
    else if (f.field === 4 && f.wire === 2) a.s = text(f);
    else if (f.field === 5 && f.wire === 2) a.t = decodeTensor(f.bytes!, `${where} tensor`);
  }
  const list = repeatedInts(fs, 8, where);
  if (list.length) a.ints = list;
  // repeated float floats = 7: packed (one length-delimited run) or one 32-bit field each
  const floats: number[] = [];
  for (const f of fs) {
    if (f.field !== 7) continue;
    if (f.wire === 5) floats.push(f.num);
    else if (f.wire === 2) {
      if (f.bytes!.length % 4 !== 0) throw invalid(`${where}: packed floats of ${f.bytes!.length} bytes, not a multiple of 4`);
      const v = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.byteLength);
      for (let k = 0; k < f.bytes!.length; k += 4) floats.push(v.getFloat32(k, true));
    }
  }
  if (floats.length) a.floats = floats;
  return a;
}

function decodeNode(buf: Uint8Array, index: number): Node {
  const where = `node ${index}`;
  const fs = fields(buf, where);
  const node: Node = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  for (const f of fs) {
    if (f.wire !== 2) continue;
    if (f.field === 1) node.inputs.push(text(f));
    else if (f.field === 2) node.outputs.push(text(f));
    else if (f.field === 3) node.name = text(f);
    else if (f.field === 4) node.opType = text(f);
    else if (f.field === 7) node.domain = text(f);
  }
  const label = `node '${node.name || index}' (${node.opType || 'no op type'})`;
  for (const f of fs) {
    if (f.field === 5 && f.wire === 2) {
      const a = decodeAttribute(f.bytes!, `${label} attribute`);
      node.attrs.set(a.name, a);
    }
  }
  if (!node.opType) throw invalid(`${where} has no op type`);
  return node;
}

interface Graph {
  nodes: Node[];
  initializers: Map<string, Tensor>;
  inputs: string[];
  outputs: string[];
}

function decodeGraph(buf: Uint8Array): Graph {
  const fs = fields(buf, 'graph');
  const g: Graph = { nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  const nameOf = (b: Uint8Array, what: string) => {
    for (const f of fields(b, what)) if (f.field === 1 && f.wire === 2) return text(f);
    return '';
  };
  for (const f of fs) {
    if (f.wire !== 2) continue;
    if (f.field === 1) g.nodes.push(decodeNode(f.bytes!, g.nodes.length));
    else if (f.field === 5) {
      const t = decodeTensor(f.bytes!, 'initializer');
      g.initializers.set(t.name, t);
    } else if (f.field === 11) g.inputs.push(nameOf(f.bytes!, 'graph input'));
    else if (f.field === 12) g.outputs.push(nameOf(f.bytes!, 'graph output'));
    else if (f.field === 15) throw unsupported('the graph has sparse initializers');
  }
  return g;
}

/** Opsets of the default domain read here. */
const ONNX_OPSETS = { min: 9, max: 21 };

// ---- from a graph to layers ---------------------------------------------------------------

/** Ops that leave a flat float input as it is (checked per op below). */
const PASS = new Set(['Identity', 'Dropout', 'Cast', 'Flatten', 'Reshape']);
const ACTIVATION_OPS: Record<string, Activation> = {
  Relu: 'relu', LeakyRelu: 'leaky-relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Elu: 'elu', Softplus: 'softplus', Softmax: 'softmax',
};

const nodeLabel = (n: Node) => `node '${n.name || n.outputs[0] || '?'}' (${n.opType})`;
const supportedList = 'Sub and Div by constants or a Scaler (ai.onnx.ml) before the first layer (input normalization), Gemm, MatMul + Add, Relu, LeakyRelu, Sigmoid, Tanh, Elu, Softplus, Softmax (last axis), and Identity, Dropout, Cast to float, Flatten, Reshape where they leave a flat float input unchanged';

/**
 * A layer's alpha as read from a file (an ONNX attribute, a Keras config), or undefined where
 * the activation takes none or it is the library's default in float32: files that store the
 * default as f32 (0.0099999998 for 0.01) import as networks built without the option.
 */
export function importedAlpha(activation: Activation, alpha: number | undefined): number | undefined {
  if (alpha === undefined || DEFAULT_ALPHA[activation] === undefined) return undefined;
  return Math.fround(alpha) === Math.fround(defaultAlpha(activation)) ? undefined : alpha;
}

/** Reads ONNX ModelProto bytes into dense layers. */
export function importOnnx(input: unknown): ImportedModel {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else throw new WasmMlpError('INVALID_OPTION', `Network.fromONNX: bytes: expected a Uint8Array or ArrayBuffer of an .onnx file, got ${describe(input)}`);

  const top = fields(bytes, 'model');
  let graphBytes: Uint8Array | null = null;
  let producer = '';
  let opset = -1;
  const otherDomains: string[] = [];
  for (const f of top) {
    if (f.field === 7 && f.wire === 2) graphBytes = f.bytes;
    else if (f.field === 2 && f.wire === 2) producer = text(f);
    else if (f.field === 8 && f.wire === 2) {
      let domain = '';
      let version = -1;
      for (const g of fields(f.bytes!, 'opset_import')) {
        if (g.field === 1 && g.wire === 2) domain = text(g);
        else if (g.field === 2 && g.wire === 0) version = g.num;
      }
      if (domain === '' || domain === 'ai.onnx') opset = version;
      else otherDomains.push(domain);
    }
  }
  if (!graphBytes) throw invalid('no graph: not an ONNX model file (or an empty one)');
  if (opset < 0) throw invalid('no opset_import for the default ONNX domain');
  if (opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw unsupported(`opset ${opset}; supported: ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max} (re-export with torch.onnx.export(..., opset_version=13))`);
  }
  const graph = decodeGraph(graphBytes);
  return layersOf(graph, opset, producer || 'unknown producer');
}

function layersOf(g: Graph, opset: number, producer: string): ImportedModel {
  // Producers of each tensor; a tensor produced twice is malformed.
  const producerOf = new Map<string, Node>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producerOf.has(o) || g.initializers.has(o)) throw invalid(`tensor '${o}' is produced twice`);
      producerOf.set(o, n);
    }
  }

  // Constants: initializers, Constant nodes, and Cast/Identity of constants, folded on demand.
  const constants = new Map<string, Tensor>(g.initializers);
  const folding = new Set<string>();
  const constant = (name: string): Tensor | null => {
    const known = constants.get(name);
    if (known) return known;
    const n = producerOf.get(name);
    if (!n || folding.has(name)) return null;
    folding.add(name);
    try {
      let t: Tensor | null = null;
      if (n.opType === 'Constant') {
        const v = n.attrs.get('value');
        if (!v?.t) throw unsupported(`${nodeLabel(n)}: only a 'value' tensor attribute is supported`);
        t = { ...v.t, name };
      } else if ((n.opType === 'Cast' || n.opType === 'Identity') && n.inputs.length >= 1) {
        const src = constant(n.inputs[0]);
        if (src) {
          const to = n.opType === 'Cast' ? n.attrs.get('to')?.i : src.dataType;
          if (to !== DT.FLOAT && to !== src.dataType) throw unsupported(`${nodeLabel(n)}: a cast of a constant to ${DT_NAMES[to ?? 0] ?? to}`);
          t = { name, dims: src.dims, dataType: to!, values: to === DT.FLOAT ? Float64Array.from(src.values, Math.fround) : src.values };
        }
      }
      if (t) constants.set(name, t);
      return t;
    } finally {
      folding.delete(name);
    }
  };

  // The one data input: a graph input that is not an initializer.
  const dataInputs = g.inputs.filter((name) => !g.initializers.has(name));
  if (dataInputs.length !== 1) {
    throw unsupported(`the graph has ${dataInputs.length} data inputs (${dataInputs.map((s) => `'${s}'`).join(', ')}); supported: exactly one`);
  }
  const input = dataInputs[0];

  // The served output: the only one, or skl2onnx's 'probabilities' (its label branch is left out).
  let output: string;
  if (g.outputs.length === 1) output = g.outputs[0];
  else if (g.outputs.includes('probabilities')) output = 'probabilities';
  else throw unsupported(`the graph has ${g.outputs.length} outputs (${g.outputs.map((s) => `'${s}'`).join(', ')}); supported: one, or skl2onnx's 'probabilities'`);

  // Walk back from the output to the input along the one non-constant input of each node.
  const chain: Node[] = [];
  let binary: Node | null = null; // skl2onnx's Concat([1 - p, p]) of a binary classifier
  let t = output;
  const seen = new Set<Node>();
  while (t !== input) {
    const n = producerOf.get(t);
    if (!n) {
      if (constant(t)) throw unsupported(`output '${output}' does not depend on the input '${input}'`);
      throw invalid(`tensor '${t}' has no producer and is not an input or initializer`);
    }
    if (seen.has(n)) throw invalid(`the graph has a cycle through ${nodeLabel(n)}`);
    seen.add(n);
    if (chain.length > 4096) throw unsupported('more than 4096 nodes on the path from input to output');
    const scaler = n.opType === 'Scaler' && n.domain === 'ai.onnx.ml';
    if (n.domain !== '' && n.domain !== 'ai.onnx' && !scaler) throw unsupported(`${nodeLabel(n)} of domain '${n.domain}'; supported: ${supportedList}`);
    const data = n.inputs.filter((name) => name !== '' && !constant(name));
    for (const name of data) {
      if (name !== input && !producerOf.has(name)) throw invalid(`${nodeLabel(n)} reads '${name}', which no node, initializer or input provides`);
    }
    if (n.opType === 'Concat' && chain.length === 0 && binary === null && data.length === 2) {
      // [1 - p, p] of one sigmoid unit p: read later as a two-unit softmax.
      const [first, second] = data;
      const sub = producerOf.get(first);
      const ones = sub?.opType === 'Sub' ? constant(sub.inputs[0]) : null;
      const axis = n.attrs.get('axis')?.i;
      if (sub && ones && ones.values.length === 1 && ones.values[0] === 1 && sub.inputs[1] === second && (axis === 1 || axis === -1)) {
        binary = n;
        seen.add(sub);
        t = second;
        continue;
      }
    }
    if (data.length !== 1) {
      throw unsupported(
        data.length === 0
          ? `${nodeLabel(n)} has no data input`
          : `${nodeLabel(n)} joins ${data.length} branches (${data.map((s) => `'${s}'`).join(', ')}); supported: one chain of ${supportedList}`,
      );
    }
    chain.unshift(n);
    t = data[0];
  }

  // Forward along the chain, building layers.
  const layers: ImportedModel['layers'] = [];
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let width = -1; // features of the current tensor, once known
  let inputSize = -1;
  let open = false; // the last layer has no activation yet and can take one (or a bias Add)
  let biasOpen = false; // the last layer came from MatMul and may take an Add
  const need = (n: Node, name: string | undefined, what: string): Tensor => {
    const c = name ? constant(name) : null;
    if (!c) throw unsupported(`${nodeLabel(n)}: its ${what} must be a constant (an initializer or Constant node)`);
    return c;
  };
  const checkFinite = (n: Node, v: Float64Array | Float32Array, what: string) => {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw invalid(`${nodeLabel(n)}: ${what}[${i}] is ${v[i]}`);
  };
  const pre: { sub: Float32Array | null; div: Float32Array | null } = { sub: null, div: null };
  const addLayer = (n: Node, w: Float32Array, b: Float32Array, units: number, fanIn: number) => {
    if (width !== -1 && width !== fanIn) throw invalid(`${nodeLabel(n)} takes ${fanIn} features but gets ${width}`);
    if (inputSize === -1) inputSize = fanIn;
    if (open) layers[layers.length - 1].activation = 'linear';
    checkFinite(n, w, 'weights');
    checkFinite(n, b, 'bias');
    layers.push({ units, activation: 'linear' });
    weights.push(w);
    biases.push(b);
    width = units;
    open = true;
  };
  for (let i = 0; i < chain.length; i++) {
    const n = chain[i];
    const attr = (name: string) => n.attrs.get(name);
    if (n.opType === 'Gemm') {
      if ((attr('transA')?.i ?? 0) !== 0) throw unsupported(`${nodeLabel(n)} with transA = 1; supported: transA = 0`);
      const transB = attr('transB')?.i ?? 0;
      const alpha = attr('alpha')?.f ?? 1;
      const beta = attr('beta')?.f ?? 1;
      const B = need(n, n.inputs[1], 'B');
      if (B.dims.length !== 2) throw unsupported(`${nodeLabel(n)}: B of rank ${B.dims.length}; expected a matrix`);
      const [units, fanIn] = transB ? [B.dims[0], B.dims[1]] : [B.dims[1], B.dims[0]];
      const w = new Float32Array(units * fanIn);
      for (let j = 0; j < units; j++) {
        for (let k = 0; k < fanIn; k++) w[j * fanIn + k] = alpha * (transB ? B.values[j * fanIn + k] : B.values[k * units + j]);
      }
      const b = new Float32Array(units);
      if (n.inputs[2]) {
        const C = need(n, n.inputs[2], 'C');
        if (C.values.length === units) for (let j = 0; j < units; j++) b[j] = beta * C.values[j];
        else if (C.values.length === 1) b.fill(beta * C.values[0]);
        else throw unsupported(`${nodeLabel(n)}: C of shape [${C.dims.join(', ')}] for ${units} units`);
      }
      addLayer(n, w, b, units, fanIn);
      biasOpen = false;
    } else if (n.opType === 'MatMul') {
      const B = need(n, n.inputs[1], 'B');
      if (n.inputs[0] !== (i === 0 ? input : chain[i - 1].outputs[0])) throw unsupported(`${nodeLabel(n)}: the data must be its first input`);
      if (B.dims.length !== 2) throw unsupported(`${nodeLabel(n)}: B of rank ${B.dims.length}; expected a matrix`);
      const [fanIn, units] = B.dims;
      const w = new Float32Array(units * fanIn);
      for (let j = 0; j < units; j++) for (let k = 0; k < fanIn; k++) w[j * fanIn + k] = B.values[k * units + j];
      addLayer(n, w, new Float32Array(units), units, fanIn);
      biasOpen = true;
    } else if (n.opType === 'Add') {
      if (!biasOpen) throw unsupported(`${nodeLabel(n)}: an Add that is not the bias of a MatMul; supported: ${supportedList}`);
      const C = need(n, n.inputs.find((s) => constant(s)), 'bias');
      const b = biases[biases.length - 1];
      if (C.values.length !== b.length) throw unsupported(`${nodeLabel(n)}: a bias of shape [${C.dims.join(', ')}] for ${b.length} units`);
      for (let j = 0; j < b.length; j++) b[j] = C.values[j];
      checkFinite(n, b, 'bias');
      biasOpen = false;
    } else if (n.opType === 'Scaler' && n.domain === 'ai.onnx.ml') {
      // scikit-learn's StandardScaler (skl2onnx): (x - offset) * scale, read as mean = offset
      // and std = 1 / scale (one division instead of a product: within a rounding of the file).
      if (layers.length || pre.sub || pre.div) throw unsupported(`${nodeLabel(n)}: supported only as the first step, before any layer or Sub/Div`);
      const offset = Float32Array.from(attr('offset')?.floats ?? [0]);
      const scale = Float32Array.from(attr('scale')?.floats ?? [1]);
      checkFinite(n, offset, 'offset');
      checkFinite(n, scale, 'scale');
      if (scale.some((v) => !(v > 0))) throw unsupported(`${nodeLabel(n)}: a scale <= 0; supported: positive scales (1 / standard deviation)`);
      for (const v of [offset, scale]) {
        if (v.length > 1) {
          if (width !== -1 && width !== v.length) throw invalid(`${nodeLabel(n)} has ${v.length} values for ${width} features`);
          width = v.length;
        }
      }
      pre.sub = offset;
      pre.div = scale.map((v) => 1 / v);
      checkFinite(n, pre.div, '1 / scale');
    } else if ((n.opType === 'Sub' || n.opType === 'Div') && layers.length === 0) {
      // Input normalization: (x - mean) / std, one value per column or one for all.
      const sub = n.opType === 'Sub';
      if (n.inputs[0] !== (i === 0 ? input : chain[i - 1].outputs[0])) throw unsupported(`${nodeLabel(n)}: the data must be its first input`);
      if (pre.div || (sub && pre.sub)) throw unsupported(`${nodeLabel(n)}: supported before the first layer: one Sub, then one Div`);
      const c = need(n, n.inputs[1], sub ? 'subtrahend' : 'divisor');
      const v = Float32Array.from(c.values);
      checkFinite(n, v, sub ? 'subtrahend' : 'divisor');
      if (c.dims.length > 2 || (c.dims.length === 2 && c.dims[0] !== 1)) throw unsupported(`${nodeLabel(n)}: a constant of shape [${c.dims.join(', ')}]; supported: one value per column, or one`);
      if (!sub && v.some((d) => !(d > 0))) throw unsupported(`${nodeLabel(n)}: a divisor <= 0; supported: positive divisors (standard deviations)`);
      if (v.length > 1) {
        if (width !== -1 && width !== v.length) throw invalid(`${nodeLabel(n)} has ${v.length} values for ${width} features`);
        width = v.length;
      }
      if (sub) pre.sub = v;
      else pre.div = v;
    } else if (n.opType in ACTIVATION_OPS) {
      if (!open) throw unsupported(`${nodeLabel(n)} ${layers.length ? 'follows another activation' : 'comes before any Gemm or MatMul'}; supported: one activation after each layer`);
      const act = ACTIVATION_OPS[n.opType];
      const layer = layers[layers.length - 1];
      layer.activation = act;
      const alpha = importedAlpha(act, attr('alpha')?.f);
      if (alpha !== undefined) layer.alpha = alpha;
      if (act === 'softmax') {
        const axis = attr('axis')?.i ?? (opset >= 13 ? -1 : 1);
        if (axis !== 1 && axis !== -1) throw unsupported(`${nodeLabel(n)} over axis ${axis}; supported: the last axis of [batch, units]`);
      }
      open = false;
      biasOpen = false;
    } else if (PASS.has(n.opType)) {
      if (n.opType === 'Cast' && attr('to')?.i !== DT.FLOAT) {
        throw unsupported(`${nodeLabel(n)} casts to ${DT_NAMES[attr('to')?.i ?? 0] ?? attr('to')?.i}; supported: Cast to float`);
      }
      if (n.opType === 'Flatten' && (attr('axis')?.i ?? 1) !== 1) throw unsupported(`${nodeLabel(n)} with axis ${attr('axis')?.i}; supported: axis 1`);
      if (n.opType === 'Reshape') {
        const shape = need(n, n.inputs[1], 'shape');
        const dims = Array.from(shape.values);
        const ok = dims.length === 2 && (dims[0] === -1 || dims[0] === 0) && (width === -1 ? dims[1] > 0 : dims[1] === width);
        if (!ok) throw unsupported(`${nodeLabel(n)} to [${dims.join(', ')}]; supported: a reshape to [-1, features] that keeps a flat input`);
        if (width === -1) width = dims[1];
      }
      if (n.opType === 'Dropout' && n.inputs.length >= 3 && n.inputs[2] && constant(n.inputs[2])?.values[0]) {
        throw unsupported(`${nodeLabel(n)} in training mode; supported: inference (a no-op)`);
      }
    } else {
      throw unsupported(`${nodeLabel(n)}; supported: ${supportedList}`);
    }
  }
  if (!layers.length) throw unsupported('no Gemm or MatMul between the input and the output');
  if (binary) {
    const last = layers.length - 1;
    if (layers[last].activation !== 'sigmoid' || layers[last].units !== 1) {
      throw unsupported(`${nodeLabel(binary)}: a Concat of [1 - p, p] where p is not one sigmoid unit`);
    }
    // softmax([0, z]) = [1 - sigmoid(z), sigmoid(z)]: the same two probabilities.
    const w = weights[last];
    const fanIn = w.length;
    const w2 = new Float32Array(2 * fanIn);
    w2.set(w, fanIn);
    weights[last] = w2;
    biases[last] = Float32Array.of(0, biases[last][0]);
    layers[last] = { units: 2, activation: 'softmax' };
  }
  const column = (v: Float32Array | null, none: number): Float32Array =>
    v && v.length === inputSize ? v : new Float32Array(inputSize).fill(v ? v[0] : none);
  const normalization = pre.sub || pre.div ? { mean: column(pre.sub, 0), std: column(pre.div, 1) } : undefined;
  return { inputSize, layers, weights, biases, producer, ...(normalization ? { normalization } : {}) };
}
