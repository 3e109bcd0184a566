// Runs in Chromium (test/browser.test.ts), cross-origin isolated, bundled from src/ like the
// threads page: a pool worker terminated from outside while it holds a chunk of a job must
// not hang the page. The hold is the pool's test hook (POOL_TRAP 2: the next worker that
// claims a chunk stores 3 there and spins while it stays 3); the main thread, spinning inside
// the core, runs JS only in its clock import (performance.now), so the worker is terminated
// from there. The call must throw WORKER_FAILED after the core's stall bound (3 s without
// progress), and the network must then predict on one thread to the one-thread bits.
import { Network } from '../src/index.ts';
import { initThreads } from '../src/wasm.ts';
import * as abi from '../src/abi.ts';

const options = { inputSize: 300, layers: [{ units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 5 };
const rows = 200;
const x = Float32Array.from({ length: rows * 300 }, (_, i) => Math.sin(i * 0.37));
const hex = (f) => Array.from(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');

try {
  const rt = await initThreads(2);
  const one = await Network.create({ ...options, threads: 1 });
  const two = await Network.create({ ...options, threads: 2 });
  const expected = hex(one.predict(x));
  const threadsBefore = two.threads;
  const words = new Int32Array(rt.memory.buffer, rt.pool.address, abi.POOL_WORDS);
  const victim = rt.pool.workers.get(1);
  const realNow = performance.now.bind(performance);
  let killedAt = null;
  performance.now = () => {
    const t = realNow();
    if (killedAt === null && Atomics.load(words, abi.POOL_TRAP) === 3) {
      killedAt = t;
      victim.terminate();
    }
    return t;
  };
  rt.pool.workersFirst = true; // the caller waits until a worker has claimed a chunk
  Atomics.store(words, abi.POOL_TRAP, 2);
  let error = null;
  try {
    two.predict(x);
  } catch (e) {
    error = { name: e.name, code: e.code, message: e.message };
  }
  const failedAfter = realNow() - (killedAt ?? realNow());
  performance.now = realNow;
  rt.pool.workersFirst = false;
  Atomics.store(words, abi.POOL_TRAP, 0);
  window.__result = {
    threadsBefore, killed: killedAt !== null, error, ms: Math.round(failedAfter),
    threadsAfter: two.threads, same: hex(two.predict(x)) === expected, expectedLength: expected.length,
  };
} catch (e) {
  window.__result = { error: { message: String(e && e.stack ? e.stack : e) } };
}
