// A network's regions and descriptor in wasm linear memory (layout in src/abi.ts), and the
// forward pass over them: the training engine's base (src/backends/wasm.ts). The descriptor
// writers below are shared with the serving entries' network (src/serving-net.ts), so all
// of them hand the core the same layout. TS plans every region; the core receives only the
// descriptor's address and row counts.

import * as abi from './abi.js';
import { activationCode, lossCode } from './enums.js';
import { dropoutConstants, paramLayout, type ModelSpec, type ParamLayout } from './engine.js';
import type { Arena } from './arena.js';
import { Regions } from './regions.js';
import { WasmMlpError } from './errors.js';
import { nonFiniteError } from './data.js';

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The core exports a forward pass needs (both wasm builds have them). */
export interface ForwardCore {
  forward(net: number, m: number): void;
  firstNonFinite(p: number, n: number): number;
}

/** A core instance, its memory and the arena that plans it. */
export interface CoreRuntime<C extends ForwardCore = ForwardCore> {
  readonly memory: WebAssembly.Memory;
  readonly core: C;
  readonly arena: Arena;
  /** The threaded runtime's worker pool. */
  readonly pool?: { readonly address: number; readonly size: number; readonly failed: boolean };
}

/** Bytes of wasm memory a network plans for `rows` activation rows (README formula). */
export function plannedBytes(spec: ModelSpec, rows: number): number {
  let params = 0;
  let packed = 0;
  let units = 0;
  let pack = 0;
  let prev = spec.inputSize;
  for (const layer of spec.layers) {
    params += (prev + 1) * layer.units;
    packed += prev * pad8(layer.units);
    units += layer.units;
    pack = Math.max(pack, layer.units * pad8(prev), rows * pad8(prev), pad8(rows) * prev, rows * pad8(layer.units));
    prev = layer.units;
  }
  return 4 * (4 * params + packed + 3 * rows * units + rows * (spec.inputSize + prev) + pack);
}

/**
 * Writes a descriptor's architecture (src/abi.ts layout) at `net`: sizes, loss, the parameter
 * block and each layer's entry (sizes, activation, alpha, offsets, packed W^T region). What
 * only training sets (gradients, optimizer state, dropout, threads) is left as it is (zero in
 * a zeroed descriptor). Shared by CoreNetwork and the serving entries' ServingNetwork.
 */
export function writeArchitecture(
  w: Uint32Array, f: Float32Array, net: number, spec: ModelSpec, layout: ParamLayout, params: number, tile: number, packedWt: readonly number[],
): void {
  const base = net >>> 2;
  w[base + abi.NET_LAYERS] = spec.layers.length;
  w[base + abi.NET_INPUT] = spec.inputSize;
  w[base + abi.NET_LOSS] = lossCode(spec.loss);
  w[base + abi.NET_PARAM_COUNT] = layout.count;
  w[base + abi.NET_WEIGHT_COUNT] = layout.weightCount;
  w[base + abi.NET_PARAMS] = params;
  w[base + abi.NET_TILE] = tile;
  w[base + abi.NET_THREADS] = 1;
  let prev = spec.inputSize;
  spec.layers.forEach((layer, l) => {
    const e = base + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS;
    w[e + abi.LAYER_IN] = prev;
    w[e + abi.LAYER_OUT] = layer.units;
    w[e + abi.LAYER_ACT] = activationCode(layer.activation);
    w[e + abi.LAYER_W] = layout.weightOffset[l];
    w[e + abi.LAYER_B] = layout.biasOffset[l];
    w[e + abi.LAYER_WT] = packedWt[l];
    f[e + abi.LAYER_F_ALPHA] = layer.alpha; // rounded to f32, as the core reads it
    prev = layer.units;
  });
}

/** Bytes of the descriptor of a network of `layers` layers. */
export const descriptorBytes = (layers: number): number => (abi.NET_HEADER_WORDS + layers * abi.LAYER_WORDS) * 4;

/** Floats of each layer's packed W^T region (in x pad8(out)). */
export function packedWtFloats(spec: ModelSpec): number[] {
  let prev = spec.inputSize;
  return spec.layers.map((layer) => {
    const n = prev * pad8(layer.units);
    prev = layer.units;
    return n;
  });
}

/**
 * Floats of the per-row regions for `rows` rows, in the order {@link writeRowRegions} takes
 * them: X, Y, pack, sample weights, then Z, A, Delta, dropout mask and dropped A of each
 * layer (0: not needed; inference needs no Y, weights, Delta or dropout). The packing
 * scratch is the largest B operand of the three products: W (delta), A_prev by rows (dW),
 * A_prev by 8-row panels (narrow forward), Delta by 8-column panels (narrow dW).
 */
export function rowRegionFloats(spec: ModelSpec, rows: number, training: boolean): number[] {
  const outputs = spec.layers[spec.layers.length - 1].units;
  let pack = 0;
  let prev = spec.inputSize;
  for (const layer of spec.layers) {
    pack = Math.max(pack, layer.units * pad8(prev), rows * pad8(prev), pad8(rows) * prev, rows * pad8(layer.units));
    prev = layer.units;
  }
  const train = training ? 1 : 0;
  const sizes = [rows * spec.inputSize, rows * outputs * train, pack, rows * train];
  for (const layer of spec.layers) {
    const drop = layer.dropout > 0 ? train : 0;
    sizes.push(rows * layer.units, rows * layer.units, rows * layer.units * train, rows * layer.units * drop, rows * layer.units * drop);
  }
  return sizes;
}

/** Writes the per-row regions `at` (addresses in {@link rowRegionFloats}' order) into descriptor `net`. */
export function writeRowRegions(w: Uint32Array, net: number, spec: ModelSpec, rows: number, at: readonly number[], packBytes: number, sampleWeighted: boolean): void {
  const base = net >>> 2;
  w[base + abi.NET_CAPACITY] = rows;
  w[base + abi.NET_X] = at[0];
  w[base + abi.NET_Y] = at[1];
  w[base + abi.NET_PACK] = at[2];
  w[base + abi.NET_PACK_BYTES] = packBytes;
  w[base + abi.NET_SW] = sampleWeighted ? at[3] : 0;
  spec.layers.forEach((_, l) => {
    const e = base + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS;
    const r = 4 + 5 * l;
    w[e + abi.LAYER_Z] = at[r];
    w[e + abi.LAYER_A] = at[r + 1];
    w[e + abi.LAYER_DELTA] = at[r + 2];
    w[e + abi.LAYER_MASK] = at[r + 3];
    w[e + abi.LAYER_DROPPED] = at[r + 4];
  });
}

/** Rows processed per call by predict/evaluate, and the smallest activation capacity. */
export const CHUNK_ROWS = 256;

export class CoreNetwork<R extends CoreRuntime = CoreRuntime> extends Regions<R> {
  readonly layout: ParamLayout;
  /** Address of this network's descriptor (src/abi.ts layout). */
  protected net = 0;
  protected capacity = 0;
  /** X, Y, pack, then Z, A, Delta per layer (0 where not planned). */
  protected activationRegions: number[] = [];
  /** Threads this network was given, the calling one included (1 off the threaded runtime). */
  protected readonly requestedThreads: number;
  /** Whether the loaded training set has sample weights (NET_SW then points at the batch's). */
  protected sampleWeighted = false;

  /** Plans every region for `spec`: parameters, gradients, optimizer state, packed weights, rows. */
  constructor(
    rt: R,
    readonly spec: ModelSpec,
    threads = 1,
  ) {
    super(rt);
    this.requestedThreads = rt.pool ? Math.max(1, Math.min(threads, rt.pool.size)) : 1;
    this.layout = paramLayout(spec);
    const need = plannedBytes(spec, CHUNK_ROWS);
    if (need > rt.arena.maxBytes - rt.arena.bytesInUse) {
      throw new WasmMlpError(
        'OUT_OF_MEMORY',
        `layers: this network needs ${need} bytes of wasm memory (parameters, gradients, optimizer state, activations for ${CHUNK_ROWS} rows); ${rt.arena.maxBytes - rt.arena.bytesInUse} bytes are available`,
      );
    }
    try {
      this.plan();
    } catch (e) {
      this.freeAll(); // a region that did not fit leaves nothing behind
      throw e;
    }
  }

  /** Runs a core call (the training engine adds its worker-failure handling). */
  protected run<T>(call: () => T): T {
    return call();
  }

  /** Allocates every region and writes the descriptor and layer table. */
  private plan(): void {
    const spec = this.spec;
    const count = this.layout.count;
    // Every allocation first: an allocation can grow (and so detach) the memory, so no view
    // is taken until the last one is done.
    this.net = this.alloc(descriptorBytes(spec.layers.length), true);
    const params = this.alloc(count * 4, true);
    const grads = this.alloc(count * 4, true);
    const s1 = this.alloc(count * 4, true);
    const s2 = this.alloc(count * 4, true);
    const tile = this.alloc(32 * 4);
    const rng = this.alloc(16);
    const packedWt = packedWtFloats(spec).map((n) => this.alloc(n * 4));
    const w = this.u32;
    const base = this.net >>> 2;
    writeArchitecture(w, this.f32, this.net, spec, this.layout, params, tile, packedWt);
    w[base + abi.NET_GRADS] = grads;
    w[base + abi.NET_STATE1] = s1;
    w[base + abi.NET_STATE2] = s2;
    w[base + abi.NET_RNG] = rng;
    w[base + abi.NET_POOL] = this.rt.pool ? this.rt.pool.address : 0;
    w[base + abi.NET_THREADS] = this.requestedThreads;
    spec.layers.forEach((layer, l) => {
      if (layer.dropout === 0) return;
      const e = base + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS;
      const { threshold, scale } = dropoutConstants(layer.dropout);
      w[e + abi.LAYER_DROP_T] = threshold;
      this.f32[e + abi.LAYER_F_DROP_SCALE] = scale;
    });
    this.ensureCapacity(CHUNK_ROWS);
  }

  protected field(i: number): number {
    return this.u32[(this.net >>> 2) + i];
  }

  /**
   * (Re)plans the per-row regions for `rows` rows: batch input/targets, per-layer Z, A, Delta,
   * and the packing scratch, whose size is the largest B operand of the three products.
   */
  protected ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const sizes = rowRegionFloats(this.spec, rows, true);
    const total = sizes.reduce((a, b) => a + b, 0) * 4;
    const available = this.rt.arena.maxBytes - this.rt.arena.bytesInUse;
    if (total > available) {
      throw new WasmMlpError(
        'OUT_OF_MEMORY',
        `a batch of ${rows} rows needs ${total} bytes of wasm memory for its activations; ${available} bytes are available (use fewer rows per call or a smaller batchSize)`,
      );
    }
    const fresh = this.replaceRegions(this.activationRegions, sizes.map((n) => n * 4));
    this.activationRegions = fresh;
    this.capacity = rows;
    writeRowRegions(this.u32, this.net, this.spec, rows, fresh, sizes[2] * 4, this.sampleWeighted);
  }

  readParams(out: Float32Array): void {
    const p = this.field(abi.NET_PARAMS) >>> 2;
    out.set(this.f32.subarray(p, p + this.layout.count));
  }

  writeParams(params: Float32Array): void {
    this.f32.set(params.subarray(0, this.layout.count), this.field(abi.NET_PARAMS) >>> 2);
    this.u32[(this.net >>> 2) + abi.NET_PACKED] = 0;
  }

  protected get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }

  protected lastActivations(): number {
    const l = this.spec.layers.length - 1;
    return this.field(abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS + abi.LAYER_A);
  }

  /** Copies rows [r, r + rows) of x into the batch input region, testing them in the core. */
  protected loadRows(x: Float32Array, r: number, rows: number, name: string): void {
    const nin = this.spec.inputSize;
    const X = this.field(abi.NET_X);
    this.f32.set(x.subarray(r * nin, (r + rows) * nin), X >>> 2);
    const bad = this.rt.core.firstNonFinite(X, rows * nin);
    if (bad >= 0) throw nonFiniteError(name, x[r * nin + bad], r * nin + bad, nin);
  }

  predict(x: Float32Array, m: number, out: Float32Array, name = 'x'): void {
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.loadRows(x, r, rows, name);
      this.run(() => this.rt.core.forward(this.net, rows));
      const a = this.lastActivations() >>> 2;
      out.set(this.f32.subarray(a, a + rows * nout), r * nout);
    }
  }
}
