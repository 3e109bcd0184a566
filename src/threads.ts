// The thread pool: workers that instantiate the threaded core over the runtime's shared
// memory and take chunks of big gemm and optimizer jobs (assembly/threads.ts). The calling
// thread always takes part and only ever spins, never blocks, so it may be a browser's main
// thread. Workers are created on demand, up to the largest `threads` any network asked for.

import * as abi from './abi.js';
import { platform, type WorkerHandle, type WorkerStart } from './platform.js';

export interface WebWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  postMessage(m: unknown): void;
  terminate(): void;
  unref?(): void;
}

/** A module Worker's hand-shake: it answers 'ready' once it has instantiated the core. */
export function webWorker(make: () => WebWorker, start: WorkerStart): { worker: WorkerHandle; ready: Promise<void> } {
  if (typeof (globalThis as { Worker?: unknown }).Worker !== 'function') throw new Error('this runtime has no Worker');
  const worker = make();
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e) => (e.data === 'ready' ? resolve() : reject(new Error(String(e.data))));
    worker.onerror = (e) => reject(new Error(e.message || 'the worker script failed to load'));
    worker.postMessage(start);
  }).then(() => {
    worker.onmessage = null;
  });
  return { worker, ready };
}

/** A pool worker where the platform has no way of its own: a module Worker. */
function startWebWorker(url: URL | undefined, start: WorkerStart): { worker: WorkerHandle; ready: Promise<void> } {
  // `new Worker(new URL('<literal>', import.meta.url), { type: 'module' })`, written out, is the
  // form Vite and webpack recognise to bundle the worker script and rewrite its address. The
  // path goes through ../dist so that it also holds when tests import src/ directly.
  return webWorker(
    () => (url ? new Worker(url, { type: 'module' }) : new Worker(new URL('../dist/worker.js', import.meta.url), { type: 'module' })) as unknown as WebWorker,
    start,
  );
}

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailable(): string | null {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (g.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof g.Worker !== 'function' && !platform().sharedByDefault) return 'this runtime has no Worker';
  return null;
}

/** Logical cores: navigator.hardwareConcurrency, or os.availableParallelism() in Node. */
export async function hardwareThreads(): Promise<number> {
  return platform().hardwareThreads();
}

const warned = new Set<string>();
/** One line per distinct reason, once per process. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

export class ThreadPool {
  /** Live workers by id (1..POOL_MAX_THREADS - 1). */
  private readonly workers = new Map<number, WorkerHandle>();
  private growing: Promise<void> = Promise.resolve();

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** Address of the pool block (abi.POOL_*), zeroed. */
    readonly address: number,
  ) {}

  /** Threads available now, the calling one included. */
  get size(): number {
    return this.workers.size + 1;
  }

  /**
   * Starts workers until `threads` threads are available (at most POOL_MAX_THREADS). Each
   * gets the lowest free id (ids pick the per-thread scratch tile, so two live workers must
   * never share one, even after a worker failed to start).
   */
  ensure(threads: number, script?: URL | string): Promise<void> {
    const want = Math.min(threads, abi.POOL_MAX_THREADS);
    this.growing = this.growing.then(async () => {
      const ids: number[] = [];
      for (let id = 1; ids.length + this.size < want && id < abi.POOL_MAX_THREADS; id++) {
        if (!this.workers.has(id)) ids.push(id);
      }
      const started = await Promise.allSettled(ids.map((id) => this.spawn(id, script)));
      started.forEach((s, i) => {
        if (s.status === 'fulfilled') this.workers.set(ids[i], s.value);
        else warnOnce(`wasm-mlp: could not start a worker thread (${(s.reason as Error).message}); using fewer threads`);
      });
    });
    return this.growing;
  }

  /**
   * One worker, ready, or a rejection. A worker that fails or does not answer within 10 s is
   * terminated, so it can never enter the work loop later under an id given to another.
   */
  private async spawn(id: number, script?: URL | string): Promise<WorkerHandle> {
    const start = { module: this.module, memory: this.memory, pool: this.address, id, failed: abi.POOL_FAILED };
    const url = typeof script === 'string' ? new URL(script, await platform().baseUrl()) : script;
    const p = platform();
    const { worker, ready } = p.startWorker ? p.startWorker(url, start) : startWebWorker(url, start);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the worker did not start within 10 s')), 10_000);
    });
    try {
      await Promise.race([ready, timeout]);
      return worker;
    } catch (e) {
      worker.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Terminates every worker, between jobs (the caller of a job never returns before it is
   * done), and waits until they have stopped where the runtime says so (Node's terminate()
   * resolves on exit). A worker stopped while it was still leaving the last job would stay
   * counted in ACTIVE, and one stopped asleep in its sleeper bit, so both words are cleared
   * once no worker is left; the next job then waits for nobody. Ids become free; networks run
   * on one thread until `ensure` starts more.
   */
  async terminate(): Promise<void> {
    const stopping = [...this.workers.values()].map((worker) => worker.terminate());
    this.workers.clear();
    await Promise.allSettled(stopping);
    Atomics.store(this.words, abi.POOL_ACTIVE, 0);
    Atomics.store(this.words, abi.POOL_SLEEPERS, 0);
  }

  private view: Int32Array | null = null;
  /**
   * The pool block. One view serves for good: a shared memory's buffers are never detached,
   * and growth only appends after the block. (Making one per read cost ~0.3 us, on every
   * guarded core call.)
   */
  private get words(): Int32Array {
    return (this.view ??= new Int32Array(this.memory.buffer, this.address, abi.POOL_WORDS));
  }

  /** Workers that have died inside a job so far. */
  get failures(): number {
    return Atomics.load(this.words, abi.POOL_FAILED);
  }

  /** Whether a worker has died inside a job; every job then stays on the calling thread. */
  get failed(): boolean {
    return this.failures !== 0;
  }

  /** For tests: the next worker that claims a chunk traps (a worker dying mid-job). */
  trapNextChunk(): void {
    Atomics.store(this.words, abi.POOL_TRAP, 1);
  }

  /** Chunks of jobs that workers (not the calling thread) have computed so far. */
  get workerChunks(): number {
    return Atomics.load(this.words, abi.POOL_WORKER_CHUNKS);
  }

  /**
   * For tests: while true, each job waits until a worker has taken a chunk before the calling
   * thread takes any, so that workers demonstrably take part even on a loaded machine.
   */
  set workersFirst(on: boolean) {
    Atomics.store(this.words, abi.POOL_WORKERS_FIRST, on ? 1 : 0);
  }
}
