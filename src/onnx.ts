// Export to ONNX (opset 13): Sub and Div nodes for the input normalization when the network
// has one, then Gemm (transB = 1, W stored "out x in" as ONNX expects) and an activation node
// per layer, float32 initializers, a symbolic batch dimension. Lets a trained
// network run in ONNX Runtime (web, node, native) and other ONNX tools. Written by hand
// because the format is a small protobuf and a protobuf library would outweigh this file.
//
// Protobuf wire format: each field is a key varint (field number << 3 | wire type) followed
// by a varint (type 0) or a length-delimited payload (type 2).

import type { ModelSpec } from './engine.js';
import { paramLayout } from './engine.js';
import type { Activation } from './enums.js';

type Field = Uint8Array;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function concat(parts: Field[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const intField = (field: number, value: number): Field => Uint8Array.from([...varint(field << 3), ...varint(value)]);
const bytesField = (field: number, payload: Uint8Array): Field =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
const stringField = (field: number, s: string): Field => bytesField(field, new TextEncoder().encode(s));
const message = (field: number, parts: Field[]): Field => bytesField(field, concat(parts));
const floatField = (field: number, value: number): Field => {
  const b = new Uint8Array(5);
  b[0] = (field << 3) | 5; // wire type 5: 32-bit
  new DataView(b.buffer).setFloat32(1, value, true);
  return b;
};

// onnx.proto field numbers used here.
const ATTR = { name: 1, f: 2, i: 3, type: 20 };
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 };
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 };
const FLOAT = 1;

function node(opType: string, inputs: string[], outputs: string[], name: string, attrs: Field[] = []): Field {
  return message(1 /* GraphProto.node */, [
    ...inputs.map((s) => stringField(NODE.input, s)),
    ...outputs.map((s) => stringField(NODE.output, s)),
    stringField(NODE.name, name),
    stringField(NODE.opType, opType),
    ...attrs.map((a) => bytesField(NODE.attribute, a)),
  ]);
}

const intAttr = (name: string, v: number): Field => concat([stringField(ATTR.name, name), intField(ATTR.i, v), intField(ATTR.type, ATTR_INT)]);
const floatAttr = (name: string, v: number): Field => concat([stringField(ATTR.name, name), floatField(ATTR.f, v), intField(ATTR.type, ATTR_FLOAT)]);

function initializer(name: string, dims: number[], values: Float32Array): Field {
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return message(5 /* GraphProto.initializer */, [
    ...dims.map((d) => intField(TENSOR.dims, d)),
    intField(TENSOR.dataType, FLOAT),
    stringField(TENSOR.name, name),
    bytesField(TENSOR.rawData, raw),
  ]);
}

/** ValueInfoProto of a float tensor [batch, width]. */
function valueInfo(field: number, name: string, width: number): Field {
  const dim = (parts: Field[]) => message(1 /* TensorShapeProto.dim */, parts);
  const shape = message(2 /* TypeProto.Tensor.shape */, [dim([stringField(2 /* dim_param */, 'batch')]), dim([intField(1 /* dim_value */, width)])]);
  const tensorType = message(1 /* TypeProto.tensor_type */, [intField(1 /* elem_type */, FLOAT), shape]);
  return message(field, [stringField(1 /* name */, name), message(2 /* type */, [tensorType])]);
}

// Each activation's operator and its attributes, given the layer's alpha (ONNX's LeakyRelu and
// Elu define alpha as src/config.ts does).
const OPS: Record<Exclude<Activation, 'linear'>, [string, (alpha: number) => Field[]]> = {
  sigmoid: ['Sigmoid', () => []],
  tanh: ['Tanh', () => []],
  relu: ['Relu', () => []],
  'leaky-relu': ['LeakyRelu', (alpha) => [floatAttr('alpha', alpha)]],
  elu: ['Elu', (alpha) => [floatAttr('alpha', alpha)]],
  softplus: ['Softplus', () => []],
  softmax: ['Softmax', () => [intAttr('axis', 1)]], // inputs are [batch, units]: 1 is the last axis
};

/**
 * The ONNX ModelProto bytes of a network: input "x" [batch, inputSize], output "y". With
 * `normalization`, the graph starts with Sub(x, mean) and Div(., divisor): float32 steps, as
 * src/normalize.ts computes them.
 */
export function toOnnx(spec: ModelSpec, params: Float32Array, normalization: { mean: Float32Array; divisor: Float32Array } | null): Uint8Array {
  const layout = paramLayout(spec);
  const nodes: Field[] = [];
  const inits: Field[] = [];
  let prev = spec.inputSize;
  let current = 'x';
  if (normalization) {
    inits.push(initializer('mean', [prev], normalization.mean), initializer('std', [prev], normalization.divisor));
    nodes.push(node('Sub', ['x', 'mean'], ['centered'], 'normalize_sub'), node('Div', ['centered', 'std'], ['normalized'], 'normalize_div'));
    current = 'normalized';
  }
  spec.layers.forEach((layer, l) => {
    const wo = layout.weightOffset[l];
    const bo = layout.biasOffset[l];
    inits.push(initializer(`W${l}`, [layer.units, prev], params.subarray(wo, wo + layer.units * prev)));
    inits.push(initializer(`b${l}`, [layer.units], params.subarray(bo, bo + layer.units)));
    const last = l === spec.layers.length - 1;
    const z = last && layer.activation === 'linear' ? 'y' : `z${l}`;
    nodes.push(node('Gemm', [current, `W${l}`, `b${l}`], [z], `dense${l}`, [intAttr('transB', 1)]));
    current = z;
    if (layer.activation !== 'linear') {
      const [op, attrs] = OPS[layer.activation];
      const a = last ? 'y' : `a${l}`;
      nodes.push(node(op, [current], [a], `${layer.activation}${l}`, attrs(layer.alpha)));
      current = a;
    }
    prev = layer.units;
  });
  const graph = message(7 /* ModelProto.graph */, [
    ...nodes,
    stringField(2 /* name */, 'wasm-mlp'),
    ...inits,
    valueInfo(11 /* input */, 'x', spec.inputSize),
    valueInfo(12 /* output */, 'y', prev),
  ]);
  return concat([
    intField(1 /* ir_version */, 8),
    stringField(2 /* producer_name */, 'wasm-mlp'),
    graph,
    message(8 /* opset_import */, [stringField(1 /* domain */, ''), intField(2 /* version */, 13)]),
  ]);
}
