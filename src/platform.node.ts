// The platform of Node, Deno and Bun (all three resolve the package's `node` export
// condition): files are read with node:fs, and pool workers are worker_threads in Node and
// module Workers in Deno and Bun. Only src/node.ts and src/infer.node.ts import this file, so
// no browser or edge bundle ever reaches a `node:` import.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import type { Platform } from './platform.js';
import { webWorker } from './threads.js';

/** Node itself (Deno and Bun also report a Node version; they get module Workers). */
function isNode(): boolean {
  const p = (globalThis as unknown as { process?: { versions?: Record<string, string | undefined> } }).process;
  return !!p?.versions?.node && !p.versions.deno && !p.versions.bun;
}

export const nodePlatform: Platform = {
  readFile: async (url) => new Uint8Array(await readFile(url)),
  baseUrl: () => pathToFileURL(process.cwd() + '/').href,
  hardwareThreads: () => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length),
  // The threaded build over a shared memory is the default here (see init in src/wasm.ts).
  sharedByDefault: true,
  startWorker(url, start) {
    if (!isNode()) {
      // Deno and Bun: a module Worker. Bun's can be unref'd; Deno's cannot (terminateWorkers()).
      const handle = webWorker((W) => new W(url ?? new URL('../dist/worker.js', import.meta.url), { type: 'module' }), start);
      handle.worker.unref?.();
      return handle;
    }
    // Node gets worker_threads even when a library has put a Worker shim on globalThis (ONNX
    // Runtime Web's Node build does, and its shim never runs our module worker).
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
