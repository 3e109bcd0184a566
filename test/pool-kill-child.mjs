// Pool workers stopped inside a job, in a fresh process (losing a worker turns threads off for
// the whole runtime). argv[2]: the pool block's word offsets (src/abi.ts) as JSON; argv[3]:
//   chunk: 1. late: worker 1 holds the chunk it claimed for LATE_MS (a live worker the OS did
//             not run for a while), well under the stall bound: the call must just wait and
//             give the bits of one thread, and the pool stays in use.
//          2. kill: worker 1 holds its chunk and is terminated from outside
//             (worker.terminate(), from the calling thread while it spins: its clock reads are
//             the only JS it runs meanwhile). The call must fail with WORKER_FAILED once the job
//             has made no progress for the stall bound; the network then predicts on one thread.
//   window: worker 1 is terminated after its chunks, before it leaves the job (in ACTIVE): that
//          job completes, the next one (the same predict's next layer) must not wait for it
//          forever but fail the same way.
// The holds are the pool's test hook (POOL_TRAP 2: the next worker that claims a chunk stores 3
// there and spins while it stays 3; POOL_TRAP 4: the same with 5, once it finished claiming).
import { once } from 'node:events';
import { Network } from 'wasm-mlp';

const W = JSON.parse(process.argv[2]);
const mode = process.argv[3];
const LATE_MS = 1000;

const options = {
  inputSize: 300,
  layers: [{ units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  seed: 5,
};
const rows = 200;
const x = Float32Array.from({ length: rows * 300 }, (_, i) => Math.sin(i * 0.37));
const hex = (f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('hex');

const one = await Network.create({ ...options, threads: 1 });
const two = await Network.create({ ...options, threads: 2 });
const expected = hex(one.predict(x));

// Private, reached for the test only: the runtime, its pool and worker 1's handle.
const rt = two.engine.rt;
const pool = rt.pool;
const words = new Int32Array(rt.memory.buffer, pool.address, W.POOL_WORDS);
const handle = (id) => (pool.workers instanceof Map ? pool.workers.get(id) : pool.worker?.(id));
const victim = handle(1);

// The core's clock import calls performance.now() on the calling thread while it waits.
const realNow = performance.now.bind(performance);
let onClock = null;
performance.now = () => {
  const t = realNow();
  if (onClock) onClock(t);
  return t;
};

// Runs one predict with worker 1 made to hold its chunk; `act(t, since)` is called on each
// clock read of the caller once the worker holds it (since: when that was first seen).
function heldPredict(hold, act) {
  let since = null;
  onClock = (t) => {
    if (Atomics.load(words, W.POOL_TRAP) !== hold + 1) return;
    since ??= t;
    act(t, since);
  };
  pool.workersFirst = true; // the caller waits until a worker claimed a chunk: worker 1's
  Atomics.store(words, W.POOL_TRAP, hold);
  const t0 = realNow();
  let out = null;
  let error = null;
  try {
    out = two.predict(x);
  } catch (e) {
    error = { name: e.name, code: e.code, message: e.message };
  } finally {
    onClock = null;
    pool.workersFirst = false;
    Atomics.store(words, W.POOL_TRAP, 0);
  }
  return { out, error, ms: realNow() - t0, held: since !== null };
}

// 1. late but alive
let lateResult = null;
if (mode === 'chunk') {
  const late = heldPredict(2, (t, since) => {
    if (t - since >= LATE_MS) Atomics.store(words, W.POOL_TRAP, 0);
  });
  lateResult = {
    error: late.error, held: late.held, ms: Math.round(late.ms), same: late.out !== null && hex(late.out) === expected,
    threads: two.threads, failed: pool.failed,
  };
}

// 2. killed from outside
let killedAt = null;
const kill = heldPredict(mode === 'chunk' ? 2 : 4, (t) => {
  if (killedAt !== null) return;
  killedAt = t;
  victim.terminate();
});
const afterKill = realNow();
const exit = killedAt === null
  ? 'not killed'
  : await Promise.race([once(victim, 'exit').then(([code]) => code), new Promise((r) => setTimeout(() => r('no exit'), 10_000).unref())]);
const after = two.predict(x);
const fresh = await Network.create({ ...options, threads: 2 });
process.stdout.write(JSON.stringify({
  late: lateResult,
  kill: {
    error: kill.error, held: kill.held, killed: killedAt !== null,
    // from the terminate() call to the call's failure
    ms: killedAt === null ? null : Math.round(afterKill - killedAt),
    exit, failed: pool.failed, lost: Atomics.load(words, W.POOL_LOST),
    threadsAfter: two.threads, same: hex(after) === expected, freshThreads: fresh.threads,
    sameFresh: hex(fresh.predict(x)) === expected,
  },
}));
