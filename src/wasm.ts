// The full entry's runtimes: the wasm core instantiated over its memory, with the arena that
// plans that memory and, on the threaded build, the worker pool. Finding and compiling the
// module is src/load.ts's job (shared with the inference entry).

import { Arena } from './arena.js';
import * as abi from './abi.js';
import { compileSource, instantiateCore, packageFile, type WasmSource } from './load.js';
import { platform } from './platform.js';
import { ThreadPool, threadsUnavailable, warnOnce } from './threads.js';

export type { WasmSource } from './load.js';

/**
 * Where each file of the package is served from, when not from the package's own folder (for
 * bundlers that do not ship them by themselves, e.g. esbuild). Give it to {@link init} once,
 * before the first network; a later call adds to what an earlier one said.
 */
export interface InitOptions {
  /**
   * The single-thread core, build/wasm-mlp.wasm (`wasm-mlp/wasm-mlp.wasm`).
   *
   * @defaultValue the package's own file, next to this module (`new URL('../build/wasm-mlp.wasm', import.meta.url)`)
   */
  wasm?: WasmSource;
  /**
   * The threaded core, build/wasm-mlp.threads.wasm (`wasm-mlp/wasm-mlp.threads.wasm`), loaded
   * only when a network asks for threads (and, in Node, Deno and Bun, as the default runtime).
   *
   * @defaultValue the package's own file, next to this module
   */
  threadsWasm?: WasmSource;
  /**
   * The pool's worker script, dist/worker.js (`wasm-mlp/worker.js`), started only when a
   * network asks for threads.
   *
   * @defaultValue the package's own file, next to this module
   */
  worker?: URL | string;
}

/** The raw exports of assembly/index.ts (pointers and sizes only). */
export interface CoreExports {
  forward(net: number, m: number): void;
  backprop(net: number, m: number): number;
  optimizerStep(net: number): void;
  trainBatches(
    net: number, order: number, n: number, batchSize: number, first: number, count: number,
    losses: number, corrects: number,
  ): number;
  trainRows(net: number, m: number, losses: number, corrects: number, b: number): number;
  trainEpochs(
    net: number, order: number, n: number, batchSize: number, epochs: number, shuffle: number,
    batchLosses: number, batchCorrects: number, epochLosses: number, epochCorrects: number,
  ): number;
  evaluate(net: number, m: number): void;
  fillSymmetric(state: number, dst: number, count: number, bound: number): void;
  nextU32(state: number): number;
  shuffle(state: number, a: number, n: number): void;
  gemm(
    M: number, N: number, K: number, a: number, rsa: number, csa: number, bp: number,
    c: number, ldc: number, bias: number, alpha: number, tile: number,
  ): void;
  gemmNarrow(
    M: number, N: number, K: number, bt: number, rsb: number, csb: number, ap: number,
    c: number, ldc: number, bias: number, alpha: number, tile: number,
  ): void;
  gemmReference(
    M: number, N: number, K: number, a: number, rsa: number, csa: number, b: number, ldb: number,
    c: number, ldc: number, bias: number, alpha: number,
  ): void;
  gemmSparse(M: number, N: number, list: number, b: number, pb: number, c: number, ldc: number, bias: number, alpha: number): void;
  sparseRows(list: number, a: number, M: number, K: number, transposed: number, kb: number, maxBytes: number): number;
  sparseStarts(list: number, M: number, K: number, maxBytes: number): number;
  /** 0 sends every product through the dense kernels (tests); returns the previous setting. */
  setSparsePath(on: number): number;
  /** Products that took gemmSparse so far (tests). */
  sparsePathCalls(): number;
  packTransposed(bp: number, w: number, N: number, K: number): number;
  packRows(bp: number, b: number, K: number, N: number, ldb: number): void;
  packedSize(K: number, N: number): number;
  /** alpha: leaky-relu's slope, elu's scale (read as f32); ignored by the other activations. */
  activationForward(act: number, alpha: number, z: number, a: number, rows: number, units: number): void;
  activationBackward(act: number, alpha: number, z: number, a: number, d: number, rows: number, units: number): void;
  workerLoop(pool: number, id: number): void;
  firstNonFinite(p: number, n: number): number;
  /** 0 sends every network through the gemm.ts path (tests); returns the previous setting. */
  setSmallPath(on: number): number;
  lanesProduct(
    N: number, K: number, coef: number, rsc: number, csc: number, src: number, mp: number,
    dst: number, dsj: number, dsi: number, m: number, bias: number, alpha: number,
  ): void;
  lanesDots(N: number, K: number, d: number, a: number, mp: number, m: number, out: number, alpha: number): void;
  outerDots(N: number, K: number, d: number, mp: number, a: number, m: number, out: number, alpha: number): void;
  unitDots(N: number, K: number, d: number, a: number, mp: number, m: number, out: number, db: number, alpha: number): void;
  /** Forward passes that took assembly/small.ts's path so far (tests). */
  smallPathCalls(): number;
  /** assembly/tiny.ts's restated activation over n values at z into a (tests). */
  tinyActivation(act: number, z: number, a: number, n: number): void;
  /** Training steps that took assembly/tiny.ts's fused path so far (tests). */
  tinyPathCalls(): number;
}

/** One module instance, its memory and the allocator that plans it. */
export interface Runtime {
  readonly memory: WebAssembly.Memory;
  readonly core: CoreExports;
  readonly arena: Arena;
  /** The threaded runtime's workers (its memory is shared); absent on the default runtime. */
  readonly pool?: ThreadPool;
}

const PAGE = 65536;
/** The first page holds the module's static data; regions start above it. */
const STATIC_BYTES = PAGE;
const INITIAL_PAGES = 256; // 16 MiB: sized up front so typical networks never grow memory
const MAXIMUM_PAGES = 65536; // 4 GiB, the wasm32 limit

let runtime: Promise<Runtime> | null = null;
let threaded: Promise<Runtime> | null = null;
let sources: InitOptions = {};

const defaultUrl = (): URL => packageFile(() => new URL('../build/wasm-mlp.wasm', import.meta.url), 'wasm-mlp.wasm');
const threadedUrl = (): URL => packageFile(() => new URL('../build/wasm-mlp.threads.wasm', import.meta.url), 'wasm-mlp.threads.wasm');

/** Exports every core build has; a module without them is another program or a stale build. */
const REQUIRED = ['forward', 'backprop', 'trainEpochs', 'trainBatches', 'gemm', 'firstNonFinite', 'workerLoop'] as const;

async function create(source: WasmSource, shared = false): Promise<Runtime> {
  const module = await compileSource(source);
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared });
  const core = await instantiateCore<CoreExports>(module, memory, REQUIRED, shared ? 'wasm-mlp.threads.wasm' : 'wasm-mlp.wasm');
  const arena = new Arena(memory, STATIC_BYTES, MAXIMUM_PAGES * PAGE);
  let pool: ThreadPool | undefined;
  if (shared) {
    const address = arena.alloc(abi.POOL_WORDS * 4);
    new Int32Array(memory.buffer, address, abi.POOL_WORDS).fill(0);
    pool = new ThreadPool(module, memory, address);
  }
  const rt: Runtime = { memory, core, arena, pool };
  warmUp(rt);
  return rt;
}

/**
 * V8 first runs wasm in its baseline compiler (Liftoff, about a third of the optimised speed
 * for the GEMM) and tiers a function up once it has executed enough. A whole epoch can be a
 * single call, so the kernels are run a few times here, on zeros, to spend that budget now
 * (well under a millisecond) rather than in the user's first epoch.
 */
function warmUp(rt: Runtime): void {
  const n = 64;
  const bytes = n * n * 4;
  const a = rt.arena.alloc(bytes);
  const b = rt.arena.alloc(bytes);
  const c = rt.arena.alloc(bytes);
  const tile = rt.arena.alloc(128);
  // A fresh memory is all zeros, so the operands need no filling.
  for (let i = 0; i < 4; i++) {
    rt.core.packRows(b, a, n, n, n);
    rt.core.packTransposed(b, a, n, n);
    rt.core.gemm(n, n, n, a, n, 1, b, c, n, 0, 1, tile);
  }
  for (const p of [a, b, c, tile]) rt.arena.free(p);
}

function isOptions(x: unknown): x is InitOptions {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype && ('wasm' in x || 'threadsWasm' in x || 'worker' in x);
}

/**
 * Loads the wasm core once, from `source` or by default from build/ next to this package (fs
 * in Node/Deno/Bun, fetch in browsers). Optional: {@link Network.create} and the loaders call
 * it themselves. Call it first where the default cannot work: edge runtimes that forbid
 * runtime compilation pass their precompiled WebAssembly.Module, bundlers that do not ship the
 * wasm pass its URL. `source` may also be an object saying where each of the package's files
 * is served from ({@link InitOptions}). Calling it again returns the same instance; a failed
 * load can be retried, e.g. with another source.
 *
 * @param source - The core's wasm ({@link WasmSource}), or where each file is served from.
 *   Default: the package's own build/wasm-mlp.wasm (in Node, Deno and Bun: the threaded build).
 * @returns A promise that resolves once the core is instantiated.
 * @throws {@link WasmMlpError} (the promise rejects) `WASM_UNAVAILABLE` when the source is not
 *   the expected wasm module (another program's, not wasm at all, an HTTP error status), cannot
 *   be fetched or compiled, or when this runtime gives the package no module URL to find its
 *   own file (workerd, an IIFE bundle) and no source was given.
 *
 * @example
 * ```ts
 * import wasm from 'wasm-mlp/wasm-mlp.wasm'; // a WebAssembly.Module in workerd (wrangler)
 * await init(wasm);
 * ```
 *
 * @remarks
 * Without a source, in Node, Deno and Bun the default runtime is the threaded build over a
 * shared memory, the one `threads` networks use too: a shared memory never detaches its
 * buffer when it grows, and a detached ArrayBuffer makes typed-array JS in the whole process
 * 25-30% slower in V8 (measured: the pure-JS backend in the same process went from 4,100 to
 * 3,200 samples/s on W1 once a network had grown the non-shared memory). Pages and Workers
 * get the plain build, and fetch the threaded one only when a network asks for threads.
 */
export async function init(source?: WasmSource | InitOptions): Promise<void> {
  await loadRuntime(source);
}

/**
 * init's work, resolving to the runtime itself: the engines, the tests and the repository's
 * benchmarks use it (the package exports it as `_loadRuntime`, outside the documented API).
 *
 * @internal
 */
export function loadRuntime(source?: WasmSource | InitOptions): Promise<Runtime> {
  if (isOptions(source)) {
    sources = { ...sources, ...source };
    source = source.wasm;
  }
  if (!runtime) {
    const given = source ?? sources.wasm;
    runtime =
      given === undefined && platform().sharedByDefault && threadsUnavailable() === null
        ? shared().catch(() => create(defaultUrl()))
        : Promise.resolve().then(() => create(given ?? defaultUrl()));
    runtime.catch(() => {
      runtime = null; // a failed load can be retried, e.g. with another source
    });
  }
  return runtime;
}

function shared(): Promise<Runtime> {
  if (!threaded) {
    threaded = Promise.resolve().then(() => create(sources.threadsWasm ?? threadedUrl(), true));
    threaded.catch(() => {
      threaded = null;
    });
  }
  return threaded;
}

/**
 * The threaded runtime (build/wasm-mlp.threads.wasm over a shared memory) with at least
 * `threads` threads started, or null (after a one-line warning) where shared memory or workers
 * are unavailable, e.g. a page that is not cross-origin isolated. Networks on it run on one
 * thread unless they ask for more.
 */
export async function initThreads(threads: number): Promise<Runtime | null> {
  const why = threadsUnavailable();
  if (why) {
    warnOnce(`wasm-mlp: running on 1 thread: ${why}`);
    return null;
  }
  let rt: Runtime;
  try {
    rt = await shared();
  } catch (e) {
    warnOnce(`wasm-mlp: running on 1 thread: the threaded core did not load (${(e as Error).message})`);
    return null;
  }
  await rt.pool!.ensure(threads, sources.worker);
  return rt;
}

/** What {@link threadStats} returns: live threads (the caller's included) and job chunks computed by workers. */
export interface ThreadStats {
  /** Threads available to threaded networks: started workers plus the calling thread (1 when there is no pool). */
  threads: number;
  /** Chunks of split jobs computed by worker threads (not the caller) since the pool started. */
  workerChunks: number;
}

/**
 * What the worker pool has done so far, to check that `threads` took effect: after a threaded
 * `fit`, `workerChunks` has grown when workers computed part of it. Starts nothing, loads
 * nothing, never rejects.
 *
 * @returns `{ threads: 1, workerChunks: 0 }` when no pool has been started.
 */
export async function threadStats(): Promise<ThreadStats> {
  const rt = await threaded?.catch(() => null);
  const pool = rt?.pool;
  return pool ? { threads: pool.size, workerChunks: pool.workerChunks } : { threads: 1, workerChunks: 0 };
}

/** Wasm memory in use, from {@link memoryStats}. */
export interface MemoryStats {
  /** Bytes of wasm linear memory reserved by the loaded runtimes (it grows, never shrinks). */
  memoryBytes: number;
  /** Bytes of it that live networks hold now (disposed and collected networks give theirs back). */
  bytesInUse: number;
}

/**
 * The wasm memory of the whole library: what the runtimes reserved and what live networks
 * hold. For monitoring a long-running server or checking that disposed networks give their
 * memory back. Loads nothing, never rejects.
 *
 * @returns `{ memoryBytes: 0, bytesInUse: 0 }` before any network or `init` loaded the wasm.
 */
export async function memoryStats(): Promise<MemoryStats> {
  const loaded = await Promise.all([runtime?.catch(() => null), threaded?.catch(() => null)]);
  const runtimes = [...new Set(loaded.filter((r): r is Runtime => !!r))];
  return {
    memoryBytes: runtimes.reduce((sum, r) => sum + r.memory.buffer.byteLength, 0),
    bytesInUse: runtimes.reduce((sum, r) => sum + r.arena.bytesInUse, 0),
  };
}

/**
 * Stops the worker threads of the pool. Networks keep working, on one thread, until a network
 * asks for threads again. Node's idle workers never keep the process alive; Deno's and Bun's
 * module Workers may, so call this when done with threaded networks there. Does nothing when
 * no pool was started.
 */
export async function terminateWorkers(): Promise<void> {
  const rt = await threaded?.catch(() => null);
  await rt?.pool?.terminate();
}
