// The wasm backend: training on top of CoreNetwork (src/core-net.ts), which plans the
// network's regions in linear memory and writes its descriptor. Drives the core with pointers
// and sizes, one call per batch or per epoch.

import * as abi from '../abi.js';
import { optimizerCode } from '../enums.js';
import type { Engine, EpochsResult, ModelSpec, OptimizerSpec } from '../engine.js';
import type { Runtime } from '../wasm.js';
import type { Random } from '../random.js';
import { WasmMlpError } from '../errors.js';
import { checkFinite, nonFiniteError } from '../data.js';
import { CoreNetwork, CHUNK_ROWS } from '../core-net.js';

const pad16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Epoch results a single trainEpochs call can report (loss and correct count, f64 each). */
const EPOCHS_PER_CALL = 1024;

export class WasmEngine extends CoreNetwork<Runtime> implements Engine {
  private data: {
    /** One arena region holds the parts below (one take and one free per fit call). */
    block: number;
    x: number; y: number; order: number; losses: number; corrects: number; epochs: number; n: number;
    /** The caller's arrays when the set is streamed rather than copied (see streamBytes). */
    source: { x: Float32Array; y: Float32Array; w: Float32Array | null } | null;
  } | null = null;
  /** Whether an optimizer step may have written the optimizer states. */
  private stepped = false;

  /**
   * Threads this network uses now: 1 once a worker of the pool has failed, and no more than
   * the pool has (terminateWorkers() leaves only the calling thread until a network asks again).
   */
  get threads(): number {
    const pool = this.rt.pool;
    return !pool || pool.failed ? 1 : Math.min(this.requestedThreads, pool.size);
  }

  constructor(rt: Runtime, spec: ModelSpec, threads = 1) {
    super(rt, spec, threads);
  }

  /** Whether the loaded set is in wasm memory (so the core can run whole epochs of it). */
  get coversEpochs(): boolean {
    return !!this.data && !this.data.source;
  }

  setLearningRate(lr: number): void {
    this.f32[(this.net >>> 2) + abi.NET_F_LR] = lr;
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
    this.f32[(this.net >>> 2) + abi.NET_F_CLIP] = opt.clipNorm;
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

  readonly checksInputs = true;

  /**
   * Runs a core call. A trap there means a worker thread died inside a job (the core traps
   * rather than wait forever for its chunk): that becomes a WORKER_FAILED error, and the pool
   * is no longer used, so the next call runs on one thread.
   */
  protected override run<T>(call: () => T): T {
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

  evaluate(x: Float32Array, y: Float32Array, m: number, name = 'x'): { loss: number; correct: number } {
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.loadRows(x, r, rows, name);
      this.f32.set(y.subarray(r * nout, (r + rows) * nout), this.field(abi.NET_Y) >>> 2);
      this.run(() => this.rt.core.evaluate(this.net, rows));
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
    const loss = this.run(() => this.rt.core.backprop(this.net, m)) / m;
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

  loadTrainingSet(x: Float32Array, y: Float32Array, n: number, checkName?: string, weights?: Float32Array | null): void {
    this.releaseTrainingSet();
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    const stream = n * (nin + nout) * 4 > WasmEngine.streamBytes;
    const sizes = stream ? [16, 16, 16, n * 8, n * 8, 16, 16] : [n * nin * 4, n * nout * 4, n * 4, n * 8, n * 8, EPOCHS_PER_CALL * 16, weights ? n * 4 : 16];
    // One region, cut into 16-byte aligned parts.
    const block = this.alloc(sizes.reduce((sum, bytes) => sum + pad16(bytes), 0));
    const parts: number[] = [];
    let at = block;
    for (const bytes of sizes) {
      parts.push(at);
      at += pad16(bytes);
    }
    const [px, py, order, losses, corrects, epochs, pw] = parts;
    if (!stream) {
      const f = this.f32;
      f.set(x.subarray(0, n * nin), px >>> 2);
      f.set(y.subarray(0, n * nout), py >>> 2);
      if (weights) f.set(weights.subarray(0, n), pw >>> 2);
    }
    const w = this.u32;
    const base = this.net >>> 2;
    w[base + abi.NET_DATA_X] = px;
    w[base + abi.NET_DATA_Y] = py;
    w[base + abi.NET_DATA_N] = n;
    // Sample weights: the set's (or, streamed, the caller's) and the batch's region in the core.
    this.sampleWeighted = !!weights;
    w[base + abi.NET_DATA_W] = weights && !stream ? pw : 0;
    w[base + abi.NET_SW] = weights ? this.activationRegions[3] : 0;
    this.data = { block, x: px, y: py, order, losses, corrects, epochs, n, source: stream ? { x, y, w: weights ?? null } : null };
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
    losses: Float64Array, corrects: Float64Array, random: Random,
  ): number {
    const d = this.data;
    if (!d) throw new Error('trainBatches before loadTrainingSet');
    this.ensureCapacity(Math.min(batchSize, d.n));
    this.stepped = true;
    if (d.source) return this.withRandom(random, () => this.streamBatches(d.source!, order, batchSize, firstBatch, count, losses, corrects));
    const lo = firstBatch * batchSize;
    const hi = Math.min(d.n, (firstBatch + count) * batchSize);
    this.u32.set(order.subarray(lo, hi), (d.order >>> 2) + lo);
    const end = this.withRandom(random, () => this.run(() => this.rt.core.trainBatches(this.net, d.order, d.n, batchSize, firstBatch, count, d.losses, d.corrects)));
    const f = this.f64;
    const upTo = Math.min(end + 1, firstBatch + count); // the failing batch's loss is reported too
    losses.set(f.subarray((d.losses >>> 3) + firstBatch, (d.losses >>> 3) + upTo), firstBatch);
    corrects.set(f.subarray((d.corrects >>> 3) + firstBatch, (d.corrects >>> 3) + upTo), firstBatch);
    return end;
  }

  /** Whether a training step draws from the network's stream (dropout masks). */
  private readonly draws = this.spec.layers.some((l) => l.dropout > 0);

  /**
   * Runs `call` with the core's copy of the PRNG (NET_RNG) holding `random`'s state, and
   * `random` advanced to the core's state afterwards, when training steps draw from it.
   */
  private withRandom<T>(random: Random, call: () => T): T {
    if (!this.draws) return call();
    const rng = this.field(abi.NET_RNG) >>> 2;
    this.u32.set(random.getState(), rng);
    try {
      return call();
    } finally {
      random.setState(this.u32.subarray(rng, rng + 4));
    }
  }

  /** trainBatches for a streamed set: rows copied from the caller's arrays, one core call per batch. */
  private streamBatches(
    source: { x: Float32Array; y: Float32Array; w: Float32Array | null }, order: Uint32Array, batchSize: number, firstBatch: number,
    count: number, losses: Float64Array, corrects: Float64Array,
  ): number {
    const d = this.data!;
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    const X = this.field(abi.NET_X) >>> 2;
    const Y = this.field(abi.NET_Y) >>> 2;
    const SW = this.field(abi.NET_SW) >>> 2;
    for (let b = firstBatch; b < firstBatch + count; b++) {
      const lo = b * batchSize;
      const m = Math.min(batchSize, d.n - lo);
      const f = this.f32; // trainRows never allocates, so the view stays valid for the batch
      for (let i = 0; i < m; i++) {
        const r = order[lo + i];
        f.set(source.x.subarray(r * nin, r * nin + nin), X + i * nin);
        f.set(source.y.subarray(r * nout, r * nout + nout), Y + i * nout);
        if (source.w) f[SW + i] = source.w[r];
      }
      const stepped = this.run(() => this.rt.core.trainRows(this.net, m, d.losses, d.corrects, b));
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
    if (d.source) throw new Error('trainEpochs on a streamed set (coversEpochs is false)');
    let done = 0;
    while (done < epochs) {
      const count = Math.min(EPOCHS_PER_CALL, epochs - done);
      const rng = this.field(abi.NET_RNG) >>> 2;
      this.u32.set(random.getState(), rng);
      const out = d.epochs >>> 3;
      const end = this.run(() => this.rt.core.trainEpochs(
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

  releaseTrainingSet(): void {
    const d = this.data;
    if (!d) return;
    this.freeRegion(d.block);
    this.data = null;
    this.sampleWeighted = false;
    this.u32[(this.net >>> 2) + abi.NET_DATA_W] = 0;
    this.u32[(this.net >>> 2) + abi.NET_SW] = 0;
    // The core points the batch input/targets at the set's rows for unshuffled batches and
    // points them back after each step; a trap mid-step (WORKER_FAILED) skips that, so they
    // are put back here, before the freed set's memory can be handed to anyone else.
    const w = this.u32;
    const base = this.net >>> 2;
    w[base + abi.NET_X] = this.activationRegions[0];
    w[base + abi.NET_Y] = this.activationRegions[1];
  }

  override dispose(): void {
    super.dispose();
    this.data = null;
  }
}
