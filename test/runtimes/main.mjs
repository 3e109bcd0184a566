// Runs test/runtimes/task.mjs against the installed package in Node, Deno or Bun (all three
// take the package's `node` export condition) and prints its JSON. With `save`, it also writes
// the saved digits model to model.bin. With `threads`, the digits
// net also trains on two threads, and the process must exit by itself afterwards (idle pool
// workers may not hold it open), except where terminateWorkers() is needed (Deno).
import { readFileSync, writeFileSync } from 'node:fs';
import { Network, terminateWorkers, threadStats } from 'wasm-mlp';
import { InferenceNetwork } from 'wasm-mlp/infer';
import * as lite from 'wasm-mlp/lite';
import { runTask, digits, trainDigits, hex } from './task.mjs';

// lite finds no .wasm itself: the package's file, resolved as a user would.
await lite.init(readFileSync(new URL(import.meta.resolve('wasm-mlp/infer.wasm'))));

const bytes = new Uint8Array(readFileSync(new URL('./digits.bin', import.meta.url)));
const save = process.argv.includes('save');
const result = await runTask({ Network, InferenceNetwork, lite }, bytes, (model) => {
  if (save) writeFileSync(new URL('./model.bin', import.meta.url), model);
});
if (process.argv.includes('threads')) {
  const before = (await threadStats()).workerChunks;
  const net = await trainDigits(Network, digits(bytes), { threads: 2 });
  result.threads = net.threads;
  // The pool's counter: a worker, not only the calling thread, computed part of the run. On a
  // loaded host the caller can finish every chunk of a run before a worker wakes, so a run
  // without worker chunks is repeated (up to twice more; same seed, same bits).
  result.workersRan = (await threadStats()).workerChunks > before;
  result.threadsPredict = hex(net.predict(digits(bytes).xTest));
  net.dispose();
  for (let retry = 0; retry < 2 && !result.workersRan; retry++) {
    const again = (await threadStats()).workerChunks;
    const other = await trainDigits(Network, digits(bytes), { threads: 2 });
    result.workersRan = (await threadStats()).workerChunks > again;
    if (hex(other.predict(digits(bytes).xTest)) !== result.threadsPredict) result.threadsPredict = 'differs between runs';
    other.dispose();
  }
  if (process.argv.includes('terminate')) await terminateWorkers();
}
process.stdout.write(JSON.stringify(result));
