// A thread of the pool (src/threads.ts): it instantiates the threaded core over the shared
// memory it is sent, says "ready", and then lives inside the core's workerLoop. The scripts
// src/worker.ts (module Workers: browsers, Deno, Bun) and src/worker.node.ts (worker_threads)
// only connect this to their runtime's messages.

import { coreImports } from './load.js';
import type { WorkerStart } from './platform.js';

export function start(msg: WorkerStart, reply: (message: string) => void): void {
  let loop: (pool: number, id: number) => void;
  try {
    const instance = new WebAssembly.Instance(msg.module, coreImports(msg.memory));
    loop = instance.exports.workerLoop as (pool: number, id: number) => void;
  } catch (e) {
    reply(`error: ${(e as Error).message}`);
    return;
  }
  reply('ready');
  try {
    loop(msg.pool, msg.id); // never returns: the worker lives until terminated (terminateWorkers)
  } catch (e) {
    // A trap inside a job: count this worker as failed, so the calling thread stops waiting
    // for its chunk (assembly/threads.ts), then die with the error.
    Atomics.add(new Int32Array(msg.memory.buffer, msg.pool, msg.failed + 1), msg.failed, 1);
    throw e;
  }
}
