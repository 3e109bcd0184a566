// The thread pool: workers that instantiate the threaded core over the runtime's shared
// memory and take chunks of big gemm and optimizer jobs (assembly/threads.ts). The calling
// thread always takes part and only ever spins, never blocks, so it may be a browser's main
// thread. Workers are created on demand, up to the largest `threads` any network asked for.

import * as abi from './abi.js';

interface Handle {
  terminate(): unknown;
}

/** Node itself (Deno and Bun also report a Node version; they get Web Workers). */
function isNode(): boolean {
  const p = (globalThis as unknown as { process?: { versions?: Record<string, string | undefined> } }).process;
  return !!p?.versions?.node && !p.versions.deno && !p.versions.bun;
}

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailable(): string | null {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; Worker?: unknown; process?: { versions?: { node?: string } } };
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (g.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof g.Worker !== 'function' && !isNode()) return 'this runtime has no Worker';
  return null;
}

/** Logical cores: navigator.hardwareConcurrency, or os.availableParallelism() in Node. */
export async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as unknown as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } catch {
    return 1;
  }
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
  private readonly workers = new Map<number, Handle>();
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
  ensure(threads: number): Promise<void> {
    const want = Math.min(threads, abi.POOL_MAX_THREADS);
    this.growing = this.growing.then(async () => {
      const ids: number[] = [];
      for (let id = 1; ids.length + this.size < want && id < abi.POOL_MAX_THREADS; id++) {
        if (!this.workers.has(id)) ids.push(id);
      }
      const started = await Promise.allSettled(ids.map((id) => this.spawn(id)));
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
  private async spawn(id: number): Promise<Handle> {
    const url = new URL('../dist/worker.js', import.meta.url);
    const message = { module: this.module, memory: this.memory, pool: this.address, id, failed: abi.POOL_FAILED };
    let worker: Handle;
    let ready: Promise<void>;
    const g = globalThis as unknown as { Worker?: new (url: URL, o: { type: string }) => Worker };
    // Node gets worker_threads even when a library has put a Worker shim on globalThis (ONNX
    // Runtime Web's Node build does, and its shim never runs our module worker).
    if (typeof g.Worker === 'function' && !isNode()) {
      const web = new g.Worker(url, { type: 'module' });
      worker = web;
      ready = new Promise<void>((resolve, reject) => {
        web.onmessage = (e: MessageEvent) => (e.data === 'ready' ? resolve() : reject(new Error(String(e.data))));
        web.onerror = (e: ErrorEvent) => reject(new Error(e.message || 'worker failed to load'));
        web.postMessage(message);
      }).then(() => {
        web.onmessage = null;
      });
    } else {
      const { Worker: NodeWorker } = await import('node:worker_threads');
      const node = new NodeWorker(url);
      node.unref(); // a pool never keeps a Node process alive, not even a worker still starting
      worker = node;
      ready = new Promise<void>((resolve, reject) => {
        node.once('message', (m: string) => (m === 'ready' ? resolve() : reject(new Error(m))));
        node.once('error', reject);
        node.postMessage(message);
      }).then(() => {
        node.removeAllListeners('error');
        node.on('error', () => {}); // after start-up a worker has nothing left to report
      });
    }
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
