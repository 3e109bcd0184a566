// The cold-start floor (bench/cold-start.mjs bundles this file for its "floor" row): the work
// a fresh process cannot skip to serve a float model with infer.wasm, and none of the checks a
// library owes its users. It instantiates the core, copies the parameter block into wasm
// memory, runs the file's CRC there, parses the header, writes the descriptor with the shared
// writers and runs one forward pass: no validation of the header, the input or the sizes,
// no error messages, no normalization, no dispose. Not for use: a measuring stick, so that
// wasm-mlp/infer's and wasm-mlp/lite's times can be read as floor + what the library adds.

import { LAYER_A, LAYER_WORDS, NET_HEADER_WORDS, NET_X } from '../src/abi.js';
import { descriptorBytes, packedWtFloats, rowRegionFloats, writeArchitecture, writeRowRegions } from '../src/core-net.js';
import { paramLayout, type ModelSpec } from '../src/engine.js';

interface Core {
  forward(net: number, m: number): void;
  firstNonFinite(p: number, n: number): number;
  crc32(p: number, n: number, prior: number): number;
}

/**
 * Where the floor's load and first prediction went, in ms (the last call's): bench/cold-start.mjs
 * prints their medians and maxima, which show the cost of the V8 tier-up stall (in scans, the CRC and the finiteness scan, or forward).
 */
export const phases = { copy: 0, scans: 0, header: 0, descriptor: 0, forward: 0 };

let memory: WebAssembly.Memory;
let core: Core;
let top = 65536;

function alloc(bytes: number): number {
  const p = top;
  top += Math.ceil(bytes / 16) * 16;
  const short = top - memory.buffer.byteLength;
  if (short > 0) memory.grow(Math.ceil(short / 65536));
  return p;
}

export async function init(module: WebAssembly.Module): Promise<void> {
  memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
  core = new WebAssembly.Instance(module, { env: { memory, now: () => performance.now() } }).exports as unknown as Core;
}

export const InferenceNetwork = {
  async load(bytes: Uint8Array) {
    let t = performance.now();
    const lap = (phase: keyof typeof phases): void => {
      const now = performance.now();
      phases[phase] = now - t;
      t = now;
    };
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hlen = dv.getUint32(8, true);
    const count = dv.getUint32(12, true);
    const offset = 16 + ((hlen + 3) & ~3);
    const params = alloc(count * 4);
    new Uint8Array(memory.buffer, params, count * 4).set(bytes.subarray(offset, offset + count * 4));
    const head = alloc(offset);
    new Uint8Array(memory.buffer, head, offset).set(bytes.subarray(0, offset));
    lap('copy');
    if (core.crc32(params, count * 4, core.crc32(head, offset, 0)) >>> 0 !== dv.getUint32(bytes.length - 4, true)) throw new Error('crc');
    if (core.firstNonFinite(params, count) >= 0) throw new Error('parameter');
    lap('scans');
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
    const spec: ModelSpec = {
      inputSize: h.inputSize,
      layers: h.layers.map((l: { units: number; activation: ModelSpec['layers'][0]['activation'] }) => ({ units: l.units, activation: l.activation, alpha: 0, dropout: 0 })),
      loss: h.loss,
    };
    lap('header');
    const net = alloc(descriptorBytes(spec.layers.length));
    const tile = alloc(128);
    const packed = packedWtFloats(spec).map((n) => alloc(n * 4));
    const rows = rowRegionFloats(spec, 256, false).map((n) => (n ? alloc(n * 4) : 0));
    const u32 = new Uint32Array(memory.buffer);
    writeArchitecture(u32, new Float32Array(memory.buffer), net, spec, paramLayout(spec), params, tile, packed);
    writeRowRegions(u32, net, spec, 256, rows, rowRegionFloats(spec, 256, false)[2] * 4, false);
    lap('descriptor');
    const outputSize = spec.layers[spec.layers.length - 1].units;
    return {
      inputSize: spec.inputSize,
      outputSize,
      predict(x: Float32Array): Float32Array {
        const w = new Uint32Array(memory.buffer);
        const X = w[(net >>> 2) + NET_X];
        new Float32Array(memory.buffer).set(x, X >>> 2);
        if (core.firstNonFinite(X, x.length) >= 0) throw new Error('x');
        const t0 = performance.now();
        core.forward(net, x.length / spec.inputSize);
        phases.forward = performance.now() - t0;
        const a = w[(net >>> 2) + NET_HEADER_WORDS + (spec.layers.length - 1) * LAYER_WORDS + LAYER_A] >>> 2;
        return new Float32Array(memory.buffer).slice(a, a + (x.length / spec.inputSize) * outputSize);
      },
    };
  },
};
