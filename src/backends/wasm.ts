// The wasm backend: plans a network's regions in linear memory, writes its descriptor (layout
// in src/abi.ts) and drives the core with pointers and sizes. One call per batch or per epoch.

import * as abi from '../abi.js';
import { activationCode, lossCode, optimizerCode } from '../enums.js';
import { epochLoop, paramLayout, type Engine, type EpochsResult, type ModelSpec, type OptimizerSpec, type ParamLayout } from '../engine.js';
import type { Runtime } from '../wasm.js';
import type { Random } from '../random.js';
import { WasmMlpError } from '../errors.js';
import { nonFiniteError, checkFinite } from '../data.js';

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
const pad16 = (n: number): number => Math.ceil(n / 16) * 16;

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

/** Epoch results a single trainEpochs call can report (loss and correct count, f64 each). */
const EPOCHS_PER_CALL = 1024;

/** Rows processed per call by predict/evaluate, and the smallest activation capacity. */
const CHUNK_ROWS = 256;

export class WasmEngine implements Engine {
  readonly layout: ParamLayout;
  /** Address of this network's descriptor (src/abi.ts layout). */
  private net = 0;
  /** Every region this network holds: pointer -> bytes. */
  private readonly regions = new Map<number, number>();
  private capacity = 0;
  private activationRegions: number[] = [];
  private data: {
    /** One arena region holds the parts below (one take and one free per fit call). */
    block: number;
    x: number; y: number; order: number; losses: number; corrects: number; epochs: number; n: number;
    /** The caller's arrays when the set is streamed rather than copied (see streamBytes). */
    source: { x: Float32Array; y: Float32Array } | null;
  } | null = null;
  private disposed = false;
  /** Whether an optimizer step may have written the optimizer states. */
  private stepped = false;

  /** Threads this network was given, the calling one included (1 off the threaded runtime). */
  private readonly requestedThreads: number;

  /** Threads this network uses now: 1 once a worker of the pool has failed. */
  get threads(): number {
    return this.rt.pool?.failed ? 1 : this.requestedThreads;
  }

  constructor(
    private readonly rt: Runtime,
    readonly spec: ModelSpec,
    threads = 1,
  ) {
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
      // A region that did not fit leaves nothing behind.
      for (const p of this.regions.keys()) rt.arena.free(p);
      this.regions.clear();
      throw e;
    }
  }

  /** Allocates every region and writes the descriptor and layer table. */
  private plan(): void {
    const spec = this.spec;
    const L = spec.layers.length;
    const words = abi.NET_HEADER_WORDS + L * abi.LAYER_WORDS;
    const count = this.layout.count;
    // Every allocation first: an allocation can grow (and so detach) the memory, so no view
    // is taken until the last one is done.
    this.net = this.alloc(words * 4, true);
    const params = this.alloc(count * 4, true);
    const grads = this.alloc(count * 4, true);
    const s1 = this.alloc(count * 4, true);
    const s2 = this.alloc(count * 4, true);
    const tile = this.alloc(32 * 4);
    const rng = this.alloc(16);
    let prev = spec.inputSize;
    const packedWt = spec.layers.map((layer) => {
      const p = this.alloc(prev * pad8(layer.units) * 4);
      prev = layer.units;
      return p;
    });
    const w = this.u32;
    const f = this.f32;
    const base = this.net >>> 2;
    w[base + abi.NET_LAYERS] = L;
    w[base + abi.NET_INPUT] = spec.inputSize;
    w[base + abi.NET_LOSS] = lossCode(spec.loss);
    w[base + abi.NET_PARAM_COUNT] = count;
    w[base + abi.NET_WEIGHT_COUNT] = this.layout.weightCount;
    w[base + abi.NET_PARAMS] = params;
    w[base + abi.NET_GRADS] = grads;
    w[base + abi.NET_STATE1] = s1;
    w[base + abi.NET_STATE2] = s2;
    w[base + abi.NET_TILE] = tile;
    w[base + abi.NET_RNG] = rng;
    w[base + abi.NET_POOL] = this.rt.pool ? this.rt.pool.address : 0;
    w[base + abi.NET_THREADS] = this.requestedThreads;
    prev = spec.inputSize;
    spec.layers.forEach((layer, l) => {
      const e = base + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS;
      w[e + abi.LAYER_IN] = prev;
      w[e + abi.LAYER_OUT] = layer.units;
      w[e + abi.LAYER_ACT] = activationCode(layer.activation);
      w[e + abi.LAYER_W] = this.layout.weightOffset[l];
      w[e + abi.LAYER_B] = this.layout.biasOffset[l];
      w[e + abi.LAYER_WT] = packedWt[l];
      prev = layer.units;
    });
    this.ensureCapacity(CHUNK_ROWS);
  }

  /** Bytes of wasm memory this network holds now (parameters, state, activations, data). */
  get memoryBytes(): number {
    let total = 0;
    for (const bytes of this.regions.values()) total += bytes;
    return total;
  }

  // Views over the memory, re-created only after the arena grew it (a grow replaces a
  // non-shared buffer and leaves a shared one's old views short); never held across a call
  // that can allocate.
  private views: { generation: number; f32: Float32Array; u32: Uint32Array; f64: Float64Array } | null = null;
  private view() {
    const generation = this.rt.arena.generation;
    if (!this.views || this.views.generation !== generation) {
      const buffer = this.rt.memory.buffer;
      this.views = { generation, f32: new Float32Array(buffer), u32: new Uint32Array(buffer), f64: new Float64Array(buffer) };
    }
    return this.views;
  }
  private get f32(): Float32Array {
    return this.view().f32;
  }
  private get u32(): Uint32Array {
    return this.view().u32;
  }
  private get f64(): Float64Array {
    return this.view().f64;
  }

  private alloc(bytes: number, zero = false): number {
    const ptr = this.rt.arena.alloc(bytes, zero);
    this.regions.set(ptr, bytes);
    return ptr;
  }

  private freeRegion(ptr: number): void {
    this.rt.arena.free(ptr);
    this.regions.delete(ptr);
  }

  private field(i: number): number {
    return this.u32[(this.net >>> 2) + i];
  }

  /**
   * (Re)plans the per-row regions for `rows` rows: batch input/targets, per-layer Z, A, Delta,
   * and the packing scratch, whose size is the largest B operand of the three products.
   */
  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const spec = this.spec;
    const outputs = spec.layers[spec.layers.length - 1].units;
    let pack = 0;
    let prev = spec.inputSize;
    for (const layer of spec.layers) {
      // Packed operands: W (delta), A_prev by rows (dW), A_prev by 8-row panels (narrow
      // forward), Delta by 8-column panels (narrow dW).
      pack = Math.max(pack, layer.units * pad8(prev), rows * pad8(prev), pad8(rows) * prev, rows * pad8(layer.units));
      prev = layer.units;
    }
    const sizes = [rows * spec.inputSize, rows * outputs, pack];
    for (const layer of spec.layers) sizes.push(rows * layer.units, rows * layer.units, rows * layer.units);
    const total = sizes.reduce((a, b) => a + b, 0) * 4;
    const available = this.rt.arena.maxBytes - this.rt.arena.bytesInUse;
    if (total > available) {
      throw new WasmMlpError(
        'OUT_OF_MEMORY',
        `a batch of ${rows} rows needs ${total} bytes of wasm memory for its activations; ${available} bytes are available (use fewer rows per call or a smaller batchSize)`,
      );
    }
    // Allocate the new regions before freeing the old ones: on OUT_OF_MEMORY nothing changed.
    const fresh: number[] = [];
    try {
      for (const s of sizes) fresh.push(this.rt.arena.alloc(s * 4));
    } catch (e) {
      for (const p of fresh) this.rt.arena.free(p);
      throw e;
    }
    this.activationRegions.forEach((p) => this.freeRegion(p));
    fresh.forEach((p, i) => this.regions.set(p, sizes[i] * 4));
    this.activationRegions = fresh;
    this.capacity = rows;
    const w = this.u32;
    const base = this.net >>> 2;
    w[base + abi.NET_CAPACITY] = rows;
    w[base + abi.NET_X] = fresh[0];
    w[base + abi.NET_Y] = fresh[1];
    w[base + abi.NET_PACK] = fresh[2];
    w[base + abi.NET_PACK_BYTES] = sizes[2] * 4;
    spec.layers.forEach((_, l) => {
      const e = base + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS;
      w[e + abi.LAYER_Z] = fresh[3 + 3 * l];
      w[e + abi.LAYER_A] = fresh[4 + 3 * l];
      w[e + abi.LAYER_DELTA] = fresh[5 + 3 * l];
    });
  }

  readParams(out: Float32Array): void {
    const p = this.field(abi.NET_PARAMS) >>> 2;
    out.set(this.f32.subarray(p, p + this.layout.count));
  }

  writeParams(params: Float32Array): void {
    this.f32.set(params.subarray(0, this.layout.count), this.field(abi.NET_PARAMS) >>> 2);
    this.u32[(this.net >>> 2) + abi.NET_PACKED] = 0;
  }

  /** Draws in the core (a cold JS loop spent ~6 ms on 100k weights at start-up). */
  initSymmetric(random: Random, offset: number, count: number, bound: number): void {
    const rng = this.field(abi.NET_RNG);
    this.u32.set(random.getState(), rng >>> 2);
    this.rt.core.fillSymmetric(rng, this.field(abi.NET_PARAMS) + offset * 4, count, bound);
    random.setState(this.u32.subarray(rng >>> 2, (rng >>> 2) + 4));
    this.u32[(this.net >>> 2) + abi.NET_PACKED] = 0;
  }

  setOptimizer(opt: OptimizerSpec): void {
    const base = this.net >>> 2;
    const w = this.u32;
    const f = this.f32;
    w[base + abi.NET_OPT] = optimizerCode(opt.kind);
    w[base + abi.NET_NESTEROV] = opt.nesterov ? 1 : 0;
    w[base + abi.NET_STEP] = 0;
    f[base + abi.NET_F_LR] = opt.learningRate;
    f[base + abi.NET_F_MOMENTUM] = opt.momentum;
    f[base + abi.NET_F_BETA1] = opt.beta1;
    f[base + abi.NET_F_BETA2] = opt.beta2;
    f[base + abi.NET_F_RHO] = opt.rho;
    f[base + abi.NET_F_EPSILON] = opt.epsilon;
    f[base + abi.NET_F_WEIGHT_DECAY] = opt.weightDecay;
    // The states were allocated zeroed; they only need clearing once a step has used them.
    if (this.stepped) {
      const count = this.layout.count;
      for (const s of [abi.NET_STATE1, abi.NET_STATE2]) {
        const p = w[base + s] >>> 2;
        f.fill(0, p, p + count);
      }
      this.stepped = false;
    }
  }

  private get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }

  private lastActivations(): number {
    const l = this.spec.layers.length - 1;
    return this.field(abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS + abi.LAYER_A);
  }

  readonly checksInputs = true;

  /**
   * Runs a core call. A trap there means a worker thread died inside a job (the core traps
   * rather than wait forever for its chunk): that becomes a WORKER_FAILED error, and the pool
   * is no longer used, so the next call runs on one thread.
   */
  private guarded<T>(call: () => T): T {
    const failures = this.rt.pool?.failures ?? 0;
    try {
      return call();
    } catch (e) {
      // Only a trap during which a worker failed is one (a later, unrelated error is not).
      if (this.rt.pool && this.rt.pool.failures > failures) {
        throw new WasmMlpError(
          'WORKER_FAILED',
          `a worker thread failed inside a job (${(e as Error).message}); this call was abandoned and every network of this runtime now runs on one thread`,
        );
      }
      throw e;
    }
  }

  /** Copies rows [r, r + rows) of x into the batch input region, testing them in the core. */
  private loadRows(x: Float32Array, r: number, rows: number, name: string): void {
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
      this.guarded(() => this.rt.core.forward(this.net, rows));
      const a = this.lastActivations() >>> 2;
      out.set(this.f32.subarray(a, a + rows * nout), r * nout);
    }
  }

  evaluate(x: Float32Array, y: Float32Array, m: number, name = 'x'): { loss: number; correct: number } {
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.loadRows(x, r, rows, name);
      this.f32.set(y.subarray(r * nout, (r + rows) * nout), this.field(abi.NET_Y) >>> 2);
      this.guarded(() => this.rt.core.evaluate(this.net, rows));
      const res = (this.net >>> 3) + abi.NET_RESULT / 2;
      loss += this.f64[res];
      correct += this.f64[res + 1];
    }
    return { loss: loss / m, correct };
  }

  gradients(x: Float32Array, y: Float32Array, m: number, out: Float32Array): number {
    this.ensureCapacity(m);
    const f = this.f32;
    f.set(x.subarray(0, m * this.spec.inputSize), this.field(abi.NET_X) >>> 2);
    f.set(y.subarray(0, m * this.outputs), this.field(abi.NET_Y) >>> 2);
    const loss = this.guarded(() => this.rt.core.backprop(this.net, m)) / m;
    const g = this.field(abi.NET_GRADS) >>> 2;
    out.set(this.f32.subarray(g, g + this.layout.count));
    return loss;
  }

  /**
   * Training sets above this many bytes are not copied into wasm memory: each batch is
   * gathered from the caller's arrays into the batch regions (a JS loop of row copies, well
   * under 1% of a batch's time), so a big set is held once, not twice. Smaller sets are
   * copied, and whole epochs then run inside the core with no JS between batches.
   */
  static streamBytes = 16 * 1024 * 1024;

  loadTrainingSet(x: Float32Array, y: Float32Array, n: number, checkName?: string): void {
    this.releaseTrainingSet();
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    const stream = n * (nin + nout) * 4 > WasmEngine.streamBytes;
    const sizes = stream ? [16, 16, 16, n * 8, n * 8, 16] : [n * nin * 4, n * nout * 4, n * 4, n * 8, n * 8, EPOCHS_PER_CALL * 16];
    // One region, cut into 16-byte aligned parts.
    const block = this.alloc(sizes.reduce((sum, bytes) => sum + pad16(bytes), 0));
    const parts: number[] = [];
    let at = block;
    for (const bytes of sizes) {
      parts.push(at);
      at += pad16(bytes);
    }
    const [px, py, order, losses, corrects, epochs] = parts;
    if (!stream) {
      const f = this.f32;
      f.set(x.subarray(0, n * nin), px >>> 2);
      f.set(y.subarray(0, n * nout), py >>> 2);
    }
    const w = this.u32;
    const base = this.net >>> 2;
    w[base + abi.NET_DATA_X] = px;
    w[base + abi.NET_DATA_Y] = py;
    w[base + abi.NET_DATA_N] = n;
    this.data = { block, x: px, y: py, order, losses, corrects, epochs, n, source: stream ? { x, y } : null };
    if (checkName !== undefined) {
      // The copied inputs are tested in the core (~25x a JS pass); fit releases the set on error.
      if (stream) {
        checkFinite(x.subarray(0, n * nin), nin, checkName);
      } else {
        const bad = this.rt.core.firstNonFinite(px, n * nin);
        if (bad >= 0) throw nonFiniteError(checkName, x[bad], bad, nin);
      }
    }
  }

  trainBatches(
    order: Uint32Array, batchSize: number, firstBatch: number, count: number,
    losses: Float64Array, corrects: Float64Array,
  ): number {
    const d = this.data;
    if (!d) throw new Error('trainBatches before loadTrainingSet');
    this.ensureCapacity(Math.min(batchSize, d.n));
    this.stepped = true;
    if (d.source) return this.streamBatches(d.source, order, batchSize, firstBatch, count, losses, corrects);
    const lo = firstBatch * batchSize;
    const hi = Math.min(d.n, (firstBatch + count) * batchSize);
    this.u32.set(order.subarray(lo, hi), (d.order >>> 2) + lo);
    const end = this.guarded(() => this.rt.core.trainBatches(this.net, d.order, d.n, batchSize, firstBatch, count, d.losses, d.corrects));
    const f = this.f64;
    const upTo = Math.min(end + 1, firstBatch + count); // the failing batch's loss is reported too
    losses.set(f.subarray((d.losses >>> 3) + firstBatch, (d.losses >>> 3) + upTo), firstBatch);
    corrects.set(f.subarray((d.corrects >>> 3) + firstBatch, (d.corrects >>> 3) + upTo), firstBatch);
    return end;
  }

  /** trainBatches for a streamed set: rows copied from the caller's arrays, one core call per batch. */
  private streamBatches(
    source: { x: Float32Array; y: Float32Array }, order: Uint32Array, batchSize: number, firstBatch: number,
    count: number, losses: Float64Array, corrects: Float64Array,
  ): number {
    const d = this.data!;
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    const X = this.field(abi.NET_X) >>> 2;
    const Y = this.field(abi.NET_Y) >>> 2;
    for (let b = firstBatch; b < firstBatch + count; b++) {
      const lo = b * batchSize;
      const m = Math.min(batchSize, d.n - lo);
      const f = this.f32; // trainRows never allocates, so the view stays valid for the batch
      for (let i = 0; i < m; i++) {
        const r = order[lo + i];
        f.set(source.x.subarray(r * nin, r * nin + nin), X + i * nin);
        f.set(source.y.subarray(r * nout, r * nout + nout), Y + i * nout);
      }
      const stepped = this.guarded(() => this.rt.core.trainRows(this.net, m, d.losses, d.corrects, b));
      losses[b] = this.f64[(d.losses >>> 3) + b];
      corrects[b] = this.f64[(d.corrects >>> 3) + b];
      if (!stepped) return b;
    }
    return firstBatch + count;
  }

  trainEpochs(
    random: Random, batchSize: number, epochs: number, shuffle: boolean, losses: Float64Array, corrects: Float64Array,
  ): EpochsResult {
    const d = this.data;
    if (!d) throw new Error('trainEpochs before loadTrainingSet');
    this.ensureCapacity(Math.min(batchSize, d.n));
    this.stepped = true;
    if (d.source) return this.streamEpochs(random, batchSize, epochs, shuffle, losses, corrects);
    let done = 0;
    while (done < epochs) {
      const count = Math.min(EPOCHS_PER_CALL, epochs - done);
      const rng = this.field(abi.NET_RNG) >>> 2;
      this.u32.set(random.getState(), rng);
      const out = d.epochs >>> 3;
      const end = this.guarded(() => this.rt.core.trainEpochs(
        this.net, d.order, d.n, batchSize, count, shuffle ? 1 : 0, d.losses, d.corrects, d.epochs, d.epochs + EPOCHS_PER_CALL * 8,
      ));
      random.setState(this.u32.subarray(rng, rng + 4));
      const f = this.f64;
      losses.set(f.subarray(out, out + end), done);
      corrects.set(f.subarray(out + EPOCHS_PER_CALL, out + EPOCHS_PER_CALL + end), done);
      if (end < count) return { done: done + end, failedBatch: this.field(abi.NET_FAIL_BATCH), failedLoss: f[out + end] };
      done += count;
    }
    return { done };
  }

  /** trainEpochs for a streamed set: the JS epoch loop, batches gathered from the caller. */
  private streamEpochs(
    random: Random, batchSize: number, epochs: number, shuffle: boolean, losses: Float64Array, corrects: Float64Array,
  ): EpochsResult {
    const d = this.data!;
    return epochLoop(d.n, random, batchSize, epochs, shuffle, losses, corrects, (order, batches, bl, bc) =>
      this.streamBatches(d.source!, order, batchSize, 0, batches, bl, bc));
  }

  releaseTrainingSet(): void {
    const d = this.data;
    if (!d) return;
    this.freeRegion(d.block);
    this.data = null;
    // The core points the batch input/targets at the set's rows for unshuffled batches and
    // points them back after each step; a trap mid-step (WORKER_FAILED) skips that, so they
    // are put back here, before the freed set's memory can be handed to anyone else.
    const w = this.u32;
    const base = this.net >>> 2;
    w[base + abi.NET_X] = this.activationRegions[0];
    w[base + abi.NET_Y] = this.activationRegions[1];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.regions.keys()) this.rt.arena.free(p);
    this.regions.clear();
    this.data = null;
  }
}
