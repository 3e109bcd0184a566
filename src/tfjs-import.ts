// Import of TF.js layers models: the `model.json` that `model.save()` of @tensorflow/tfjs (or
// tensorflowjs_converter from Keras) writes, and its weight bytes. A Sequential or functional
// chain of Dense layers with their activations (plus InputLayer, Dropout, Flatten and the
// activation layers) becomes this library's layers; Keras's kernel is "in x out", so it is
// transposed to "out x in". Quantized weights (uint8/uint16 affine, float16) are dequantized.
// The JSON and the bytes are untrusted: every field is type-checked, every size checked against
// the bytes present before anything is allocated, and anything else is refused by name.

import { WasmMlpError, describe } from './errors.js';
import type { Activation } from './enums.js';
import { float16, importedAlpha, type ImportedModel } from './onnx-import.js';

const WHERE = 'Network.fromTFJS';
const invalid = (message: string) => new WasmMlpError('INVALID_MODEL', `${WHERE}: ${message}`);
const unsupported = (message: string) => new WasmMlpError('UNSUPPORTED_MODEL', `${WHERE}: ${message}`);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keras activation names this library runs. */
const ACTIVATIONS: Record<string, Activation> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', softplus: 'softplus',
};
const SUPPORTED = 'Dense (activations linear, relu, sigmoid, tanh, softmax, elu, softplus), LeakyReLU, ELU, ReLU, Softmax and Activation layers, and InputLayer, Dropout, Flatten';
const MAX_LAYERS = 4096;
const MAX_ELEMENTS = 2 ** 27;

interface WeightSpec {
  name: string;
  shape: number[];
  count: number;
  /** Bytes per stored value. */
  size: number;
  read: (view: DataView, offset: number, i: number) => number;
  offset: number;
}

function weightSpecs(manifest: unknown, total: number): Map<string, WeightSpec> {
  if (!Array.isArray(manifest)) throw invalid(`weightsManifest: expected an array of weight groups, got ${describe(manifest)}`);
  const specs = new Map<string, WeightSpec>();
  let offset = 0;
  manifest.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.weights)) throw invalid(`weightsManifest[${g}]: expected { paths, weights: [...] }`);
    (group.weights as unknown[]).forEach((w, k) => {
      const at = `weightsManifest[${g}].weights[${k}]`;
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) throw invalid(`${at}: expected { name, shape, dtype }`);
      let count = 1;
      for (const d of w.shape as unknown[]) {
        if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw invalid(`${at} '${w.name}': shape [${(w.shape as unknown[]).map(String).join(', ')}]`);
        count *= d;
        if (count > MAX_ELEMENTS) throw unsupported(`${at} '${w.name}': more than 2^27 values`);
      }
      if (w.group === 'optimizer') {
        // Optimizer state saved with includeOptimizer: skipped, but its bytes still count.
        if (w.dtype !== undefined && w.dtype !== 'float32' && w.dtype !== 'int32') throw unsupported(`${at} '${w.name}': optimizer weight of dtype ${describe(w.dtype)}`);
        offset += count * 4;
        if (offset > total) throw invalid(`weightsManifest declares more bytes (at least ${offset}) than the ${total} of weightData`);
        return;
      }
      if (w.dtype !== undefined && w.dtype !== 'float32') throw unsupported(`${at} '${w.name}' of dtype ${describe(w.dtype)}; supported: float32 (quantized or not)`);
      let size = 4;
      let read: WeightSpec['read'] = (v, o, i) => v.getFloat32(o + 4 * i, true);
      const q = w.quantization;
      if (q !== undefined) {
        if (!isObject(q)) throw invalid(`${at} '${w.name}': quantization must be an object`);
        if (q.dtype === 'float16') {
          size = 2;
          read = (v, o, i) => float16(v.getUint16(o + 2 * i, true));
        } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
          const { scale, min } = q;
          if (typeof scale !== 'number' || typeof min !== 'number' || !Number.isFinite(scale) || !Number.isFinite(min)) {
            throw invalid(`${at} '${w.name}': ${q.dtype} quantization needs finite numbers scale and min`);
          }
          if (q.dtype === 'uint8') {
            size = 1;
            read = (v, o, i) => v.getUint8(o + i) * scale + min;
          } else {
            size = 2;
            read = (v, o, i) => v.getUint16(o + 2 * i, true) * scale + min;
          }
        } else throw unsupported(`${at} '${w.name}': quantization ${describe(q.dtype)}; supported: uint8, uint16, float16`);
      }
      if (specs.has(w.name)) throw invalid(`weight '${w.name}' appears twice in weightsManifest`);
      specs.set(w.name, { name: w.name, shape: w.shape as number[], count, size, read, offset });
      offset += count * size;
      // Keep the sum bounded as we go: a manifest may not declare more than the bytes hold.
      if (offset > total) throw invalid(`weightsManifest declares more bytes (at least ${offset}) than the ${total} of weightData`);
    });
  });
  if (offset !== total) throw invalid(`weightsManifest declares ${offset} bytes but weightData holds ${total}`);
  return specs;
}

/** The layers of a Sequential or a functional chain, in order. */
function layerList(topology: Json): Json[] {
  // tensorflowjs_converter writes { model_config: {...}, training_config }; model.save() the model itself.
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  const cls = top.class_name;
  const config = top.config;
  if (cls === 'Sequential') {
    const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    if (!Array.isArray(layers)) throw invalid('modelTopology: a Sequential without config.layers');
    if (layers.length > MAX_LAYERS) throw unsupported(`${layers.length} layers; at most ${MAX_LAYERS}`);
    return layers.map((l, i) => {
      if (!isObject(l)) throw invalid(`modelTopology layer ${i}: expected an object`);
      return l;
    });
  }
  if (cls === 'Model' || cls === 'Functional') {
    if (!isObject(config) || !Array.isArray(config.layers)) throw invalid(`modelTopology: a ${cls} without config.layers`);
    const layers = config.layers as unknown[];
    if (layers.length > MAX_LAYERS) throw unsupported(`${layers.length} layers; at most ${MAX_LAYERS}`);
    const byName = new Map<string, Json>();
    const inbound = new Map<string, string[]>();
    layers.forEach((l, i) => {
      if (!isObject(l) || typeof l.name !== 'string') throw invalid(`modelTopology layer ${i}: expected an object with a name`);
      if (byName.has(l.name)) throw invalid(`modelTopology: layer '${l.name}' appears twice`);
      byName.set(l.name, l);
      const nodes = l.inbound_nodes;
      if (nodes === undefined || (Array.isArray(nodes) && nodes.length === 0)) {
        inbound.set(l.name, []);
        return;
      }
      if (!Array.isArray(nodes) || nodes.length !== 1) throw unsupported(`layer '${l.name}' is called ${Array.isArray(nodes) ? nodes.length : '?'} times; supported: a chain where each layer is called once`);
      const node = nodes[0];
      if (!Array.isArray(node)) throw invalid(`layer '${l.name}': inbound_nodes[0] is not a list`);
      const from = node.map((e: unknown) => (Array.isArray(e) && typeof e[0] === 'string' ? e[0] : null));
      if (from.some((s: string | null) => s === null)) throw invalid(`layer '${l.name}': malformed inbound_nodes`);
      inbound.set(l.name, from as string[]);
    });
    const ends = (v: unknown, what: string): string[] => {
      if (!Array.isArray(v)) throw invalid(`modelTopology: ${what} is not a list`);
      return v.map((e) => {
        if (!Array.isArray(e) || typeof e[0] !== 'string') throw invalid(`modelTopology: malformed ${what}`);
        return e[0] as string;
      });
    };
    const inputs = ends(config.input_layers, 'input_layers');
    const outputs = ends(config.output_layers, 'output_layers');
    if (inputs.length !== 1) throw unsupported(`the model has ${inputs.length} inputs (${inputs.join(', ')}); supported: exactly one`);
    if (outputs.length !== 1) throw unsupported(`the model has ${outputs.length} outputs (${outputs.join(', ')}); supported: exactly one`);
    // Walk back from the output: each layer must take exactly one tensor.
    const chain: Json[] = [];
    const seen = new Set<string>();
    let name = outputs[0];
    for (;;) {
      const layer = byName.get(name);
      if (!layer) throw invalid(`modelTopology: layer '${name}' is referenced but not defined`);
      if (seen.has(name)) throw invalid(`modelTopology: a cycle through layer '${name}'`);
      seen.add(name);
      chain.unshift(layer);
      if (name === inputs[0]) break;
      const from = inbound.get(name)!;
      if (from.length !== 1) {
        throw unsupported(from.length === 0 ? `layer '${name}' has no input and is not the model's input` : `layer '${name}' (${String(layer.class_name)}) joins ${from.length} tensors (${from.join(', ')}); supported: one chain of ${SUPPORTED}`);
      }
      name = from[0];
    }
    return chain;
  }
  throw unsupported(`a model of class ${describe(cls)}; supported: Sequential, or a functional Model/Functional chain`);
}

const inputWidth = (shape: unknown, where: string): number | null => {
  if (!Array.isArray(shape)) return null;
  const dims = shape.slice(1);
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) throw unsupported(`${where}: input shape [${shape.map(String).join(', ')}]; supported: fixed feature dimensions`);
    n *= d;
  }
  if (dims.length !== 1 && dims.length !== 0) return -n; // needs a Flatten first (negative: not flat yet)
  return n;
};

/** Reads a TF.js layers model (model.json object or text, and its weight bytes). */
export function importTfjs(modelJson: unknown, weightData: unknown): ImportedModel {
  let json = modelJson;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw invalid(`modelJson is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) throw new WasmMlpError('INVALID_OPTION', `${WHERE}: modelJson: expected the model.json object or its text, got ${describe(modelJson)}`);
  const chunks: Uint8Array[] = [];
  const add = (v: unknown) => {
    if (v instanceof Uint8Array) chunks.push(v);
    else if (v instanceof ArrayBuffer) chunks.push(new Uint8Array(v));
    else throw new WasmMlpError('INVALID_OPTION', `${WHERE}: weightData: expected an ArrayBuffer or Uint8Array (or an array of them, in the manifest's path order), got ${describe(v)}`);
  };
  if (Array.isArray(weightData)) weightData.forEach(add);
  else add(weightData);
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  const view = new DataView(data.buffer);

  const topology = json.modelTopology;
  if (!isObject(topology)) throw invalid(`modelJson.modelTopology: expected an object, got ${describe(topology)}`);
  if (json.format !== undefined && json.format !== 'layers-model') throw unsupported(`format ${describe(json.format)}; supported: 'layers-model' (a graph model from tf.saved_model is not a layers model)`);
  const specs = weightSpecs(json.weightsManifest ?? json.weightSpecs, total);
  const layerJsons = layerList(topology);

  const layers: ImportedModel['layers'] = [];
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let width: number | null = null; // features of the current tensor (negative: not flat yet)
  let open = false; // the last Dense has a linear activation an activation layer may replace
  const used = new Set<string>();

  const tensorOf = (layer: string, kind: string): WeightSpec | null => {
    for (const name of [`${layer}/${kind}`, `${layer}/${kind}:0`]) {
      const s = specs.get(name);
      if (s) return s;
    }
    for (const [name, s] of specs) if (name.endsWith(`/${layer}/${kind}`) || name.endsWith(`/${layer}/${kind}:0`)) return s;
    return null;
  };
  const setActivation = (name: string, act: Activation, alpha?: number) => {
    if (!open) throw unsupported(`layer '${name}': an activation that does not follow a Dense layer with a linear activation`);
    const last = layers[layers.length - 1];
    last.activation = act;
    const given = importedAlpha(act, alpha);
    if (given !== undefined) last.alpha = given;
    open = false;
  };

  layerJsons.forEach((l, i) => {
    const cls = l.class_name;
    const config = isObject(l.config) ? l.config : {};
    const name = typeof config.name === 'string' ? config.name : typeof l.name === 'string' ? l.name : `layer ${i}`;
    const label = `layer '${name}' (${String(cls)})`;
    const shape = config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape;
    if (shape !== undefined && width === null) width = inputWidth(shape, label);
    if (cls === 'InputLayer') return;
    if (cls === 'Dense') {
      const units = config.units;
      if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) throw invalid(`${label}: units ${describe(units)}`);
      const activation = config.activation ?? 'linear';
      const act = typeof activation === 'string' ? ACTIVATIONS[activation] : undefined;
      if (!act) throw unsupported(`${label} with activation ${describe(activation)}; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
      const kernel = tensorOf(name, 'kernel');
      if (!kernel) throw invalid(`${label}: no weight '${name}/kernel' in weightsManifest`);
      if (kernel.shape.length !== 2 || kernel.shape[1] !== units) throw invalid(`${label}: kernel of shape [${kernel.shape.join(', ')}] for ${units} units`);
      const fanIn = kernel.shape[0];
      if (width !== null && width < 0) throw unsupported(`${label} on an input of ${-width} features that are not flat; put a Flatten layer first`);
      if (width !== null && width !== fanIn) throw invalid(`${label}: kernel takes ${fanIn} features but the layer gets ${width}`);
      const w = new Float32Array(units * fanIn);
      for (let k = 0; k < fanIn; k++) for (let j = 0; j < units; j++) w[j * fanIn + k] = kernel.read(view, kernel.offset, k * units + j);
      const b = new Float32Array(units);
      used.add(kernel.name);
      if (config.use_bias !== false && config.useBias !== false) {
        const bias = tensorOf(name, 'bias');
        if (!bias) throw invalid(`${label}: no weight '${name}/bias' in weightsManifest`);
        if (bias.count !== units) throw invalid(`${label}: bias of shape [${bias.shape.join(', ')}] for ${units} units`);
        for (let j = 0; j < units; j++) b[j] = bias.read(view, bias.offset, j);
        used.add(bias.name);
      }
      for (let j = 0; j < w.length; j++) if (!Number.isFinite(w[j])) throw invalid(`${label}: kernel value ${j} is ${w[j]}`);
      for (let j = 0; j < b.length; j++) if (!Number.isFinite(b[j])) throw invalid(`${label}: bias value ${j} is ${b[j]}`);
      if (layers.length === 0 && width === null) width = fanIn;
      layers.push({ units, activation: act });
      weights.push(w);
      biases.push(b);
      width = units;
      open = act === 'linear';
    } else if (cls === 'Activation') {
      const act = typeof config.activation === 'string' ? ACTIVATIONS[config.activation] : undefined;
      if (!act) throw unsupported(`${label} ${describe(config.activation)}; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
      setActivation(name, act);
    } else if (cls === 'LeakyReLU') {
      const alpha = config.negative_slope ?? config.alpha ?? 0.3; // Keras 2's and TF.js's default (Keras 3 writes negative_slope)
      if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw invalid(`${label}: alpha ${describe(alpha)}`);
      setActivation(name, 'leaky-relu', alpha);
    } else if (cls === 'ELU') {
      const alpha = config.alpha ?? 1;
      if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw invalid(`${label}: alpha ${describe(alpha)}`);
      setActivation(name, 'elu', alpha);
    } else if (cls === 'ReLU') {
      if ((config.max_value ?? config.maxValue ?? null) !== null) throw unsupported(`${label} with max_value ${describe(config.max_value ?? config.maxValue)}; supported: none`);
      if ((config.negative_slope ?? 0) !== 0 || (config.threshold ?? 0) !== 0) throw unsupported(`${label} with a negative_slope or threshold; supported: plain ReLU`);
      setActivation(name, 'relu');
    } else if (cls === 'Softmax') {
      const axis = config.axis ?? -1;
      if (axis !== -1 && axis !== 1) throw unsupported(`${label} over axis ${describe(axis)}; supported: the last axis`);
      setActivation(name, 'softmax');
    } else if (cls === 'Dropout') {
      // Inference: a no-op.
    } else if (cls === 'Flatten') {
      if (width !== null && width < 0) width = -width;
    } else {
      throw unsupported(`${label}; supported: ${SUPPORTED}`);
    }
  });
  if (!layers.length) throw unsupported('no Dense layer');
  for (const name of specs.keys()) {
    if (!used.has(name)) throw unsupported(`weight '${name}' belongs to no supported layer; supported: ${SUPPORTED}`);
  }
  return { inputSize: weights[0].length / layers[0].units, layers, weights, biases, producer: typeof json.generatedBy === 'string' ? json.generatedBy : 'TF.js' };
}
