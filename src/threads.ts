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
  private readonly workers: Handle[] = [];
  private growing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** Address of the pool block (abi.POOL_*), zeroed. */
    readonly address: number,
  ) {}

  /** Threads available now, the calling one included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Starts workers until `threads` threads are available (at most POOL_MAX_THREADS). */
  ensure(threads: number): Promise<void> {
    const want = Math.min(threads, abi.POOL_MAX_THREADS);
    this.growing = this.growing.then(async () => {
      if (this.stopped) return;
      const spawns: Promise<Handle>[] = [];
      for (let id = this.size; id < want; id++) spawns.push(this.spawn(id));
      const started = await Promise.allSettled(spawns);
      for (const s of started) {
        if (s.status === 'fulfilled') this.workers.push(s.value);
        else warnOnce(`wasm-mlp: could not start a worker thread (${(s.reason as Error).message}); using fewer threads`);
      }
    });
    return this.growing;
  }

  private spawn(id: number): Promise<Handle> {
    // A worker that never answers must not hang Network.create: give up after 10 s.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the worker did not start within 10 s')), 10_000);
    });
    return Promise.race([this.start(id), timeout]).finally(() => clearTimeout(timer));
  }

  private async start(id: number): Promise<Handle> {
    const url = new URL('../dist/worker.js', import.meta.url);
    const message = { module: this.module, memory: this.memory, pool: this.address, id };
    const g = globalThis as unknown as { Worker?: new (url: URL, o: { type: string }) => Worker };
    // Node gets worker_threads even when a library has put a Worker shim on globalThis (ONNX
    // Runtime Web's Node build does, and its shim never runs our module worker).
    if (typeof g.Worker === 'function' && !isNode()) {
      const worker = new g.Worker(url, { type: 'module' });
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent) => (e.data === 'ready' ? resolve() : reject(new Error(String(e.data))));
        worker.onerror = (e: ErrorEvent) => reject(new Error(e.message || 'worker failed to load'));
        worker.postMessage(message);
      });
      worker.onmessage = null;
      return worker;
    }
    const { Worker: NodeWorker } = await import('node:worker_threads');
    const worker = new NodeWorker(url);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: string) => (m === 'ready' ? resolve() : reject(new Error(m))));
      worker.once('error', reject);
      worker.postMessage(message);
    });
    worker.removeAllListeners('error');
    worker.on('error', () => {}); // after start-up a worker has nothing left to report
    worker.unref(); // a pool never keeps a Node process alive
    return worker;
  }

  /** Chunks of jobs that workers (not the calling thread) have computed so far. */
  get workerChunks(): number {
    return Atomics.load(new Int32Array(this.memory.buffer, this.address, abi.POOL_WORDS), abi.POOL_WORKER_CHUNKS);
  }

  /**
   * For tests: while true, each job waits until a worker has taken a chunk before the calling
   * thread takes any, so that workers demonstrably take part even on a loaded machine.
   */
  set workersFirst(on: boolean) {
    Atomics.store(new Int32Array(this.memory.buffer, this.address, abi.POOL_WORDS), abi.POOL_WORKERS_FIRST, on ? 1 : 0);
  }

  /** Stops every worker for good (they leave workerLoop); later jobs run on the caller alone. */
  stop(): void {
    this.stopped = true;
    const words = new Int32Array(this.memory.buffer, this.address, abi.POOL_WORDS);
    Atomics.store(words, abi.POOL_STOP, 1);
    Atomics.notify(words, abi.POOL_SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
