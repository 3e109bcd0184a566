// A thread of the pool (src/threads.ts). Self-contained on purpose: no imports, so the same
// file runs as a Node worker_threads worker and as a browser/Deno/Bun module Worker without
// an import map. It instantiates the threaded core over the shared memory it is sent, says
// "ready", and then lives inside the core's workerLoop.

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  pool: number;
  id: number;
  /** Word of the pool block that counts failed workers (abi.POOL_FAILED). */
  failed: number;
}

type Reply = (message: string) => void;

function start(msg: Start, reply: Reply): void {
  let loop: (pool: number, id: number) => void;
  try {
    const instance = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
    loop = instance.exports.workerLoop as (pool: number, id: number) => void;
  } catch (e) {
    reply(`error: ${(e as Error).message}`);
    return;
  }
  reply('ready');
  try {
    loop(msg.pool, msg.id); // never returns: the worker lives as long as its process or page
  } catch (e) {
    // A trap inside a job: count this worker as failed, so the calling thread stops waiting
    // for its chunk (assembly/threads.ts), then die with the error.
    Atomics.add(new Int32Array(msg.memory.buffer, msg.pool, msg.failed + 1), msg.failed, 1);
    throw e;
  }
}

const scope = globalThis as unknown as {
  postMessage?: (m: unknown) => void;
  addEventListener?: (type: string, fn: (e: { data: Start }) => void, options?: { once: boolean }) => void;
  WorkerGlobalScope?: unknown;
};

if (typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.addEventListener === 'function') {
  scope.addEventListener('message', (e) => start(e.data, (m) => scope.postMessage!(m)), { once: true });
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.once('message', (msg: Start) => start(msg, (m) => parentPort!.postMessage(m)));
}
