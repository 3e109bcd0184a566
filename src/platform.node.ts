// The platform of Node, Deno and Bun (all three resolve the package's `node` export
// condition): files are read with node:fs, and pool workers are worker_threads in Node and
// Deno and module Workers in Bun. Only src/node.ts and src/infer.node.ts import this file, so
// no browser or edge bundle ever reaches a `node:` import.

import { availableParallelism, cpus } from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';
import type { Platform } from './platform.js';
import { nodeFilesPlatform } from './platform.node-files.js';
import { webWorker, type WebWorker } from './threads.js';

/** Bun (it also reports a Node version). */
function isBun(): boolean {
  const p = (globalThis as unknown as { process?: { versions?: Record<string, string | undefined> } }).process;
  return !!p?.versions?.bun;
}

export const nodePlatform: Platform = {
  ...nodeFilesPlatform,
  hardwareThreads: () => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length),
  // The threaded build over a shared memory is the default here (see init in src/wasm.ts).
  sharedByDefault: true,
  startWorker(url, start) {
    if (isBun()) {
      // Bun: a module Worker, unref'd so that an idle pool lets the process exit.
      const handle = webWorker(() => new Worker(url ?? new URL('../dist/worker.js', import.meta.url), { type: 'module' }) as unknown as WebWorker, start);
      handle.worker.unref?.();
      return handle;
    }
    // Node and Deno: worker_threads, whose unref() lets the process exit while workers idle
    // (Deno's module Workers have no unref and kept it alive). Node gets them even when a
    // library has put a Worker shim on globalThis (ONNX Runtime Web's Node build does, and its
    // shim never runs our module worker).
    const worker = new NodeWorker(url ?? new URL('../dist/worker.node.js', import.meta.url));
    worker.unref(); // a pool never keeps a Node process alive, not even a worker still starting
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (m: string) => (m === 'ready' ? resolve() : reject(new Error(m))));
      worker.once('error', reject);
      worker.postMessage(start);
    }).then(() => {
      worker.removeAllListeners('error');
      worker.on('error', () => {}); // after start-up a worker has nothing left to report
    });
    return { worker, ready };
  },
};
