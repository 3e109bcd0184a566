// Work sharing between the calling thread and the pool's workers over one shared memory.
//
// A job (one gemm call, or one optimizer step) is cut into chunks that threads claim with an
// atomic counter: column panels for a gemm, parameter ranges for an update. A chunk is
// computed exactly as the single-threaded code computes those elements (each output element
// sums k in the same order, each parameter gets the same formula), so results are the same
// bits whatever the thread count or who claimed what. Small jobs never leave the caller.
//
// Hand-off (the pool block layout is in src/abi.ts):
//   caller: begin(): SEQ += 1 (odd: "writing"), wait until ACTIVE == 0; write the job's
//           arguments; post(): reset the counters, SEQ += 1 (even: "posted", value s), ring
//           the doorbells of the workers the job may use, WAKE[id] = s for 1 <= id < THREADS
//           (notifying those asleep), claim chunks itself, then spin until DONE == chunks. It
//           never calls atomic.wait, so a browser main thread may be the caller.
//   The arguments are plain stores: the caller's SEQ increment (an atomic, so a release) and
//   a worker's SEQ load (an acquire) order them before the worker's plain loads.
//   worker id: wait until its own doorbell WAKE[id] holds a new value s, ACTIVE += 1, and only
//           if SEQ is still s claim chunks; ACTIVE -= 1. A worker that arrives late either
//           sees the odd SEQ of the next job, or the even SEQ of a later job it was not rung
//           for (and claims nothing), or is counted in ACTIVE before the caller rewrites the
//           job, so it never reads a half-written one: the caller's SEQ += 1 and its read of
//           ACTIVE, the worker's ACTIVE += 1 and its read of SEQ are all in one total order, so
//           either the caller sees the worker in ACTIVE (and waits for it) or the worker sees
//           the new SEQ. The doorbell is only a wake-up: which job a worker may work on is
//           decided by SEQ alone, and s == SEQ means the job that rang it, one whose THREADS
//           include its id. Workers whose id is at or above a job's THREADS are never rung:
//           they neither wake from atomic.wait nor see anything change while they spin.
//   Sleeping: a worker that polled its doorbell for ~1 ms sets its bit in SLEEPERS, then
//   atomic.waits on WAKE[id] while it still holds the old value. The caller stores WAKE[id]
//   before it reads SLEEPERS: if it reads the bit clear, its store came first in the total
//   order and the worker's wait returns at once; if set, it notifies WAKE[id], which wakes
//   the worker or finds it not yet waiting, and then its wait sees the new value.
// All wasm atomics are sequentially consistent, which this argument relies on.
//
// Faults. A worker can stop inside a job without finishing its chunk in two ways, and the
// caller must then fail the call (TS reports a WORKER_FAILED error) rather than spin forever:
// - It traps (a bug, never expected). Its JS wrapper (src/worker-core.ts) counts it in FAILED
//   before it dies; the caller's spin sees that, waits until every live worker has left the
//   job (ACTIVE down to the dead ones, who never decrement it), and traps too.
// - It is terminated from outside (Node's worker.terminate(), a browser Worker's terminate(),
//   its thread killed), so nothing of it runs again and nobody counts it. The caller cannot
//   be told, and must not atomic.wait, so it watches a clock (the `now` import, milliseconds)
//   while it spins: when the job has made no progress (DONE unchanged) for the stall bound,
//   the workers still holding undone chunks (chunks - DONE of them: once the caller waits,
//   every chunk is claimed and a worker holds one at a time) are counted in FAILED and LOST
//   and the caller traps as above. The same watch guards the caller's other waits (ACTIVE in
//   begin(), a worker killed between "saw the job" and "left it"; ACTIVE in abandon(); the
//   tests' WORKERS_FIRST), so no wait of the caller is unbounded.
// From then on every job stays on the calling thread.
//
// The stall bound, and a worker that is alive but late (descheduled on a loaded machine).
// Nothing in wasm tells a dead worker from one the OS has not run for a while: a live worker
// mid-chunk shows no progress until the chunk is done. So the bound must be far beyond any
// delay a live worker meets, and then give up:
// - it is STALL_MS (3 s), or STALL_CHUNKS (16) times the caller's own mean chunk time in this
//   job if that is longer (chunks are equal, so a live worker needs about as long for its
//   own; a huge product's chunk may take seconds by itself);
// - it counts only time the caller itself was running and watching: the clock is read every
//   POLLS_PER_CLOCK polls (tens of microseconds), and one gap between two reads counts at most
//   GAP_MS (250 ms). A suspended process or VM, a debugger pause of the caller, a caller that
//   is itself descheduled for long, all stall every thread alike and count (almost) nothing;
//   what counts is the caller running while the worker does not progress. (Gaps add up to
//   the time elapsed whatever the clock's resolution, as long as each is under GAP_MS.)
// - any progress (one more chunk done) starts the count again.
// So a worker killed mid-job fails the call about STALL_MS after the job's last progress when
// the caller gets the CPU (test/pool-faults.test.ts checks the bound), later in proportion when
// the caller itself is starved, but never unbounded.
// A live thread that gets no CPU at all for seconds while another thread of its process runs
// is beyond what a scheduler does to runnable threads on a loaded host (CFS waits are tens to
// hundreds of milliseconds), so giving up means, in practice, the worker is gone.
// If it was not, what can it still do? Only finish the one chunk it holds: NEXT is past the
// last chunk, so it claims no other; FAILED != 0, so no job is ever posted again, and its late
// DONE and ACTIVE updates reach counters nobody waits on any more. Its tile scratch is its own
// (POOL_TILES + 32 id). But that chunk's writes land in the abandoned job's output (a column
// range of one product, a parameter range and its optimizer state, a range of a packed copy or
// a sparse list) at a time nobody controls, possibly after TS has restored the weights or the
// next call has rewritten those regions. No lock-free protocol can stop a thread that may be
// dead from writing without waiting for it, so this is the price of not hanging, paid only on
// a stall longer than the bound. LOST (not FAILED alone) tells TS that the failure was a stall;
// TS can then leave the job's network regions to the late writer (allocate new ones, never
// free the old) if it wants to exclude even that. A trapped worker leaves no late writer:
// abandon() waits for the live ones first. Today's alternative for a killed worker is a caller
// that never returns.

import {
  NET_POOL, NET_THREADS, NET_TILE,
  POOL_SEQ, POOL_NEXT, POOL_DONE, POOL_ACTIVE, POOL_SLEEPERS, POOL_CHUNKS,
  POOL_THREADS, POOL_KIND, POOL_WORKER_CHUNKS, POOL_WORKERS_FIRST, POOL_ARGS, POOL_TILES,
  POOL_FAILED, POOL_TRAP, POOL_LOST, POOL_WAKE, POOL_WOKEN,
  JOB_GEMM, JOB_OPTIMIZER, JOB_PACK_T, JOB_PACK_ROWS, JOB_GEMM_SPARSE, JOB_SPARSE_COUNT, JOB_SPARSE_FILL,
} from '../src/abi';
import { gemm, gemmSparse, packTransposed, packRows, sparseRows, sparseCount, sparseStarts, sparseFill, sparseHeaderBytes } from './gemm';
import { optimizerRange } from './optimizers';

/** Milliseconds from a monotonic clock (performance.now()), imported on every thread. Only
 * the calling thread of a threaded job reads it, while it waits. */
// @ts-ignore: decorator
@external("env", "now")
declare function now(): f64;

/** Below this many multiply-adds a gemm stays on the calling thread: its work would not pay
 * for the hand-off to a spinning worker (the two costs: bench/RESULTS.md, "Figures moved from
 * the core's comments"). */
const GEMM_MIN_MACS: i64 = 1 << 16;
/** Below this many parameters an optimizer step stays on the calling thread. */
const UPDATE_MIN: i32 = 1 << 16;
/** Chunks per thread: a late or descheduled worker leaves less for the others to wait on. */
const CHUNKS_PER_THREAD: i32 = 4;
/** Polls of the doorbell before a worker goes to sleep in atomic.wait (about a millisecond). */
const SPIN_POLLS: i32 = 1 << 18;

/** A job that makes no progress for this long (ms of the caller's watching) has lost a worker. */
const STALL_MS: f64 = 3000;
/** ... or for this many times the caller's own mean chunk time, if that is longer. */
const STALL_CHUNKS: f64 = 16;
/** At most this much of one gap between two clock reads counts toward a stall (ms). */
const GAP_MS: f64 = 250;
/** Polls of a counter between two clock reads while the caller waits. */
const POLLS_PER_CLOCK: i32 = 1 << 12;

// What a wait of the caller waits for; any change of the watched word is progress.
const UNTIL_DONE: i32 = 0; // DONE reaches the job's chunks
const UNTIL_CLAIMED: i32 = 1; // NEXT leaves 0: a worker took a chunk (tests' WORKERS_FIRST)
const UNTIL_IDLE: i32 = 2; // ACTIVE reaches 0: no worker still looks at the previous job
const UNTIL_LEFT: i32 = 3; // ACTIVE down to FAILED: every live worker left the failed job

// @ts-ignore: decorator
@inline function word(pool: usize, i: i32): usize {
  return pool + (<usize>i << 2);
}
// @ts-ignore: decorator
@inline function arg(pool: usize, i: i32): i32 {
  return load<i32>(pool + (<usize>(POOL_ARGS + i) << 2));
}
// @ts-ignore: decorator
@inline function setArg(pool: usize, i: i32, v: i32): void {
  store<i32>(pool + (<usize>(POOL_ARGS + i) << 2), v);
}

/** Threads a network may use right now (1 without a pool, or once a worker has failed). */
// @ts-ignore: decorator
@inline function threadsOf(net: usize): i32 {
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  if (pool == 0 || atomic.load<i32>(word(pool, POOL_FAILED)) != 0) return 1;
  return load<i32>(net + (<usize>NET_THREADS << 2));
}

// @ts-ignore: decorator
@inline function watched(pool: usize, until: i32): i32 {
  if (until == UNTIL_DONE) return atomic.load<i32>(word(pool, POOL_DONE));
  if (until == UNTIL_CLAIMED) return atomic.load<i32>(word(pool, POOL_NEXT));
  return atomic.load<i32>(word(pool, POOL_ACTIVE));
}

// Spins until the wait is over; false when it made no progress for `bound` ms of watching
// (see the header). Waits for a job's chunks also end in abandon() once a worker has trapped.
function spinUntil(pool: usize, until: i32, target: i32, bound: f64): bool {
  let last = watched(pool, until);
  let polls = 0;
  let then: f64 = -1;
  let stalled: f64 = 0;
  while (true) {
    const v = watched(pool, until);
    if (until == UNTIL_DONE) {
      if (v >= target) return true;
    } else if (until == UNTIL_CLAIMED) {
      if (v != 0) return true;
    } else if (until == UNTIL_IDLE) {
      if (v == 0) return true;
    } else if (v <= atomic.load<i32>(word(pool, POOL_FAILED))) return true;
    if (until <= UNTIL_CLAIMED && atomic.load<i32>(word(pool, POOL_FAILED)) != 0) abandon(pool, bound);
    if (++polls == POLLS_PER_CLOCK) {
      polls = 0;
      const t = now();
      if (v != last) {
        last = v;
        stalled = 0;
      } else if (then >= 0) {
        stalled += min(max(t - then, 0), GAP_MS);
        if (stalled >= bound) return false;
      }
      then = t;
    }
  }
}

// Workers are gone inside the posted job: count `lost` more of them as failed, wait until the
// live ones have left it (so none still writes into the job's output; bounded too, as dead
// ones may be among them), then trap.
function abandon(pool: usize, bound: f64, lost: i32 = 0): void {
  if (lost > 0) {
    atomic.add<i32>(word(pool, POOL_LOST), lost);
    atomic.add<i32>(word(pool, POOL_FAILED), lost);
  }
  spinUntil(pool, UNTIL_LEFT, 0, bound);
  unreachable();
}

// Opens a job: SEQ odd, then waits until no worker is still looking at the previous one.
// The caller writes the job's arguments after this and before post(). A worker stuck in
// ACTIVE for the stall bound was killed there: it is counted as failed and the call fails.
function begin(pool: usize): void {
  atomic.add<i32>(word(pool, POOL_SEQ), 1);
  if (!spinUntil(pool, UNTIL_IDLE, 0, STALL_MS)) {
    const stuck = atomic.load<i32>(word(pool, POOL_ACTIVE));
    if (stuck > 0) abandon(pool, STALL_MS, stuck); // (0: it left just now after all)
  }
}

// Posts the job (SEQ even), rings the job's workers, works on it, and returns when every
// chunk is done.
function post(pool: usize, kind: i32, chunks: i32, threads: i32, tile: usize): void {
  atomic.store<i32>(word(pool, POOL_KIND), kind);
  atomic.store<i32>(word(pool, POOL_CHUNKS), chunks);
  atomic.store<i32>(word(pool, POOL_THREADS), threads);
  atomic.store<i32>(word(pool, POOL_NEXT), 0);
  atomic.store<i32>(word(pool, POOL_DONE), 0);
  const s = atomic.add<i32>(word(pool, POOL_SEQ), 1) + 1;
  for (let id = 1; id < threads; id++) atomic.store<i32>(word(pool, POOL_WAKE + id), s);
  const asleep = atomic.load<i32>(word(pool, POOL_SLEEPERS)) & ((1 << threads) - 2);
  if (asleep != 0) {
    for (let id = 1; id < threads; id++) {
      if ((asleep & (1 << id)) != 0) atomic.notify(word(pool, POOL_WAKE + id), 1);
    }
  }
  // Tests switch this on to make "the workers took part" deterministic on a loaded machine,
  // where a worker may otherwise not be scheduled before the caller has done everything.
  if (atomic.load<i32>(word(pool, POOL_WORKERS_FIRST)) != 0) {
    if (!spinUntil(pool, UNTIL_CLAIMED, 0, STALL_MS) && atomic.load<i32>(word(pool, POOL_NEXT)) == 0) abandon(pool, STALL_MS, 1);
  }
  const t0 = now();
  const own = claim(pool, tile, false);
  const bound = own > 0 ? max(STALL_MS, STALL_CHUNKS * (now() - t0) / <f64>own) : STALL_MS;
  if (!spinUntil(pool, UNTIL_DONE, chunks, bound)) {
    const undone = chunks - atomic.load<i32>(word(pool, POOL_DONE));
    if (undone > 0) abandon(pool, bound, undone); // (0: the last one came in just now)
  }
}

// Claims and computes chunks of the posted job until none is left; returns how many.
function claim(pool: usize, tile: usize, worker: bool): i32 {
  const chunks = atomic.load<i32>(word(pool, POOL_CHUNKS));
  const kind = atomic.load<i32>(word(pool, POOL_KIND));
  let done = 0;
  while (true) {
    const c = atomic.add<i32>(word(pool, POOL_NEXT), 1);
    if (c >= chunks) return done;
    if (worker && atomic.load<i32>(word(pool, POOL_TRAP)) != 0) testHook(pool, false);
    if (kind == JOB_GEMM) gemmChunk(pool, c, tile);
    else if (kind == JOB_GEMM_SPARSE) sparseChunk(pool, c);
    else if (kind == JOB_SPARSE_COUNT || kind == JOB_SPARSE_FILL) listChunk(pool, kind, c);
    else if (kind == JOB_OPTIMIZER) updateChunk(pool, c);
    else packChunk(pool, kind, c);
    if (worker) atomic.add<i32>(word(pool, POOL_WORKER_CHUNKS), 1);
    atomic.add<i32>(word(pool, POOL_DONE), 1);
    done++;
  }
}

// Tests: a worker with a chunk claimed and undone either traps (TRAP 1: a worker dying inside
// a job) or holds it (TRAP 2: a worker descheduled, stopped or killed there), or, once it has
// finished claiming (`claimed`), holds before it leaves ACTIVE (TRAP 4). A holding worker
// stores TRAP + 1 and spins while TRAP keeps that value; the test resumes it by changing TRAP,
// or terminates it.
function testHook(pool: usize, claimed: bool): void {
  const trap = word(pool, POOL_TRAP);
  const hold = claimed ? 4 : 2;
  if (!claimed && atomic.cmpxchg<i32>(trap, 1, 0) == 1) unreachable();
  if (atomic.cmpxchg<i32>(trap, hold, hold + 1) == hold) {
    while (atomic.load<i32>(trap) == hold + 1) {}
  }
}

// Blocks while the word at `addr` holds `expected` (or until notified). A function of its own,
// called through the table so that Binaryen cannot inline it: Node 20's baseline compiler
// (V8 11.3 Liftoff, which runs workerLoop for good, as it never returns) overwrites the
// highest-numbered local of the function that executes memory.atomic.wait32 (measured: a
// wait with a zero timeout changes that local and only that one; V8 12+ does not). Here that
// local is `expected`, dead once the wait returns, and workerLoop's own locals stay intact.
// (Inlined, the old loop lost its tile pointer after its first sleep and wrote partial
// tiles at address 0, where two workers could mix them up.)
function park(addr: usize, expected: i32): void {
  atomic.wait<i32>(addr, expected, -1);
}
const parkRef: (addr: usize, expected: i32) => void = park;

/**
 * A worker's life: instantiate, then call this once. It never returns.
 * `id` (1..) picks the worker's tile scratch and doorbell: jobs limited to fewer threads than
 * id + 1 never ring it.
 */
export function workerLoop(pool: usize, id: i32): void {
  const tile = pool + (<usize>(POOL_TILES + 32 * id) << 2);
  const seq = word(pool, POOL_SEQ);
  const wake = word(pool, POOL_WAKE + id);
  const bit = 1 << id;
  // Not the doorbell's current value: a job rung before this loop started (the pool hears
  // "ready" before this call, and may post at once) must not count as seen. Posted SEQ values
  // are even, so -1 never matches; a doorbell never rung (0) or rung for a finished job makes
  // one harmless pass (SEQ no longer matches, or NEXT is past the job's chunks).
  let seen = -1;
  while (true) {
    let s = atomic.load<i32>(wake);
    let polls = 0;
    while (s == seen) {
      if (++polls > SPIN_POLLS) {
        atomic.or<i32>(word(pool, POOL_SLEEPERS), bit);
        parkRef(wake, s);
        atomic.and<i32>(word(pool, POOL_SLEEPERS), ~bit);
        polls = 0;
      }
      s = atomic.load<i32>(wake);
    }
    seen = s;
    atomic.add<i32>(word(pool, POOL_WOKEN + id), 1);
    atomic.add<i32>(word(pool, POOL_ACTIVE), 1);
    if (atomic.load<i32>(seq) == s && id < atomic.load<i32>(word(pool, POOL_THREADS))) {
      claim(pool, tile, true);
      if (atomic.load<i32>(word(pool, POOL_TRAP)) != 0) testHook(pool, true);
    }
    atomic.sub<i32>(word(pool, POOL_ACTIVE), 1);
  }
}

// ---- gemm: chunks are runs of 8-column panels of C ------------------------------------------

/** gemm (see gemm.ts) split over the network's threads when it is big enough. */
export function parallelGemm(
  net: usize,
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  bp: usize,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
): void {
  const tile = <usize>load<u32>(net + (<usize>NET_TILE << 2));
  const threads = threadsOf(net);
  const panels = (N + 7) >> 3;
  if (threads <= 1 || panels < 2 || <i64>M * <i64>N * <i64>K < GEMM_MIN_MACS) {
    gemm(M, N, K, a, rsa, csa, bp, c, ldc, bias, alpha, tile);
    return;
  }
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  const per = (panels + threads * CHUNKS_PER_THREAD - 1) / (threads * CHUNKS_PER_THREAD);
  const chunks = (panels + per - 1) / per;
  begin(pool);
  setArg(pool, 0, M);
  setArg(pool, 1, N);
  setArg(pool, 2, K);
  setArg(pool, 3, <i32>a);
  setArg(pool, 4, rsa);
  setArg(pool, 5, csa);
  setArg(pool, 6, <i32>bp);
  setArg(pool, 7, <i32>c);
  setArg(pool, 8, ldc);
  setArg(pool, 9, <i32>bias);
  setArg(pool, 10, reinterpret<i32>(alpha));
  setArg(pool, 11, per);
  post(pool, JOB_GEMM, chunks, threads, tile);
}

function gemmChunk(pool: usize, chunk: i32, tile: usize): void {
  const N = arg(pool, 1);
  const K = arg(pool, 2);
  const per = arg(pool, 11);
  const j0 = chunk * per * 8;
  const cols = min(per * 8, N - j0);
  const bias = <usize>arg(pool, 9);
  gemm(
    arg(pool, 0), cols, K,
    <usize>arg(pool, 3), arg(pool, 4), arg(pool, 5),
    <usize>arg(pool, 6) + (<usize>j0 * K << 2),
    <usize>arg(pool, 7) + (<usize>j0 << 2), arg(pool, 8),
    bias == 0 ? 0 : bias + (<usize>j0 << 2), reinterpret<f32>(arg(pool, 10)),
    tile,
  );
}

// ---- gemmSparse: chunks are runs of 24-column blocks of C ----------------------------------

/** gemmSparse (see gemm.ts) split over the network's threads when it is big enough; `macs`
 * is the multiply-adds it will do (nonzeros of A times N). */
export function parallelGemmSparse(
  net: usize,
  M: i32, N: i32, macs: i64,
  list: usize,
  b: usize, pb: i32,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
): void {
  const threads = threadsOf(net);
  const blocks = (N + 23) / 24;
  if (threads <= 1 || blocks < 2 || macs < GEMM_MIN_MACS) {
    gemmSparse(M, N, list, b, pb, c, ldc, bias, alpha);
    return;
  }
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  const per = (blocks + threads * CHUNKS_PER_THREAD - 1) / (threads * CHUNKS_PER_THREAD);
  const chunks = (blocks + per - 1) / per;
  begin(pool);
  setArg(pool, 0, M);
  setArg(pool, 1, N);
  setArg(pool, 2, <i32>list);
  setArg(pool, 3, <i32>b);
  setArg(pool, 4, pb);
  setArg(pool, 5, <i32>c);
  setArg(pool, 6, ldc);
  setArg(pool, 7, <i32>bias);
  setArg(pool, 8, reinterpret<i32>(alpha));
  setArg(pool, 11, per);
  post(pool, JOB_GEMM_SPARSE, chunks, threads, 0);
}

// Columns [j0, j0 + cols) of C: j0 is a multiple of 24, so B's columns start on a panel.
function sparseChunk(pool: usize, chunk: i32): void {
  const N = arg(pool, 1);
  const per = arg(pool, 11);
  const j0 = chunk * per * 24;
  const bias = <usize>arg(pool, 7);
  gemmSparse(
    arg(pool, 0), min(per * 24, N - j0), <usize>arg(pool, 2),
    <usize>arg(pool, 3) + <usize>(j0 >> 3) * <usize>arg(pool, 4), arg(pool, 4),
    <usize>arg(pool, 5) + (<usize>j0 << 2), arg(pool, 6),
    bias == 0 ? 0 : bias + (<usize>j0 << 2), reinterpret<f32>(arg(pool, 8)),
  );
}

// ---- sparseRows: chunks are runs of rows of A (multiples of 4) -----------------------------

/** Below this many values of A a list is built on the calling thread. */
const LIST_MIN: i32 = 1 << 14;

/** sparseRows (gemm.ts) with its count and fill passes split over the network's threads. */
export function parallelSparseRows(net: usize, list: usize, a: usize, M: i32, K: i32, transposed: bool, kb: i32, maxBytes: i32): i32 {
  const threads = threadsOf(net);
  if (threads <= 1 || M < 8 || M * K < LIST_MIN) return sparseRows(list, a, M, K, transposed, kb, maxBytes);
  if (sparseHeaderBytes(M, K) > maxBytes) return -1;
  const parts = threads * CHUNKS_PER_THREAD;
  const per = (((M + parts - 1) / parts) + 3) & ~3;
  const chunks = (M + per - 1) / per;
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  const tile = <usize>load<u32>(net + (<usize>NET_TILE << 2));
  postList(pool, JOB_SPARSE_COUNT, list, a, M, K, transposed, kb, per, chunks, threads, tile);
  const nonzeros = sparseStarts(list, M, K, maxBytes);
  if (nonzeros >= 0) postList(pool, JOB_SPARSE_FILL, list, a, M, K, transposed, kb, per, chunks, threads, tile);
  return nonzeros;
}

function postList(
  pool: usize, kind: i32, list: usize, a: usize, M: i32, K: i32, transposed: bool, kb: i32,
  per: i32, chunks: i32, threads: i32, tile: usize,
): void {
  begin(pool);
  setArg(pool, 0, <i32>list);
  setArg(pool, 1, <i32>a);
  setArg(pool, 2, M);
  setArg(pool, 3, K);
  setArg(pool, 4, transposed ? 1 : 0);
  setArg(pool, 5, kb);
  setArg(pool, 11, per);
  post(pool, kind, chunks, threads, tile);
}

function listChunk(pool: usize, kind: i32, chunk: i32): void {
  const M = arg(pool, 2);
  const i0 = chunk * arg(pool, 11);
  const i1 = min(M, i0 + arg(pool, 11));
  const list = <usize>arg(pool, 0);
  const a = <usize>arg(pool, 1);
  if (kind == JOB_SPARSE_COUNT) sparseCount(list, a, M, arg(pool, 3), arg(pool, 4) != 0, i0, i1);
  else sparseFill(list, a, M, arg(pool, 3), arg(pool, 4) != 0, arg(pool, 5), i0, i1);
}

// ---- optimizer: chunks are ranges of the parameter block (multiples of 4) -------------------

/** One optimizer step over [0, count), split over the network's threads when it is big enough. */
export function parallelUpdate(net: usize, count: i32): void {
  const threads = threadsOf(net);
  if (threads <= 1 || count < UPDATE_MIN) {
    optimizerRange(net, 0, count);
    return;
  }
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  const parts = threads * CHUNKS_PER_THREAD;
  const per = (((count + parts - 1) / parts) + 3) & ~3;
  const chunks = (count + per - 1) / per;
  begin(pool);
  setArg(pool, 0, <i32>net);
  setArg(pool, 1, count);
  setArg(pool, 11, per);
  post(pool, JOB_OPTIMIZER, chunks, threads, 0);
}

function updateChunk(pool: usize, chunk: i32): void {
  const per = arg(pool, 11);
  const lo = chunk * per;
  optimizerRange(<usize>arg(pool, 0), lo, min(lo + per, arg(pool, 1)));
}

// ---- packing: chunks are runs of 8-column panels of the packed operand ----------------------

/** Below this many floats a packing stays on the calling thread. */
const PACK_MIN: i32 = 1 << 15;

/** packTransposed (gemm.ts) split over the network's threads when it is big enough; returns
 * whether every value of W was finite. */
export function parallelPackTransposed(net: usize, bp: usize, w: usize, N: i32, K: i32): bool {
  return parallelPack(net, JOB_PACK_T, bp, w, K, N, K);
}

/** packRows (gemm.ts) split over the network's threads when it is big enough. */
export function parallelPackRows(net: usize, bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  parallelPack(net, JOB_PACK_ROWS, bp, b, K, N, ldb);
}

// Returns packTransposed's finiteness (true for packRows). Chunks that meet a non-finite
// value clear argument 12, which the caller reads once every chunk is done.
function parallelPack(net: usize, kind: i32, bp: usize, src: usize, K: i32, N: i32, ld: i32): bool {
  const threads = threadsOf(net);
  const panels = (N + 7) >> 3;
  if (threads <= 1 || panels < 2 || K * N < PACK_MIN) {
    return packRange(kind, bp, src, K, N, ld, 0, N);
  }
  const pool = <usize>load<u32>(net + (<usize>NET_POOL << 2));
  const per = (panels + threads * CHUNKS_PER_THREAD - 1) / (threads * CHUNKS_PER_THREAD);
  const chunks = (panels + per - 1) / per;
  begin(pool);
  setArg(pool, 0, <i32>bp);
  setArg(pool, 1, <i32>src);
  setArg(pool, 2, K);
  setArg(pool, 3, N);
  setArg(pool, 4, ld);
  setArg(pool, 11, per);
  setArg(pool, 12, 1);
  post(pool, kind, chunks, threads, 0);
  return arg(pool, 12) != 0;
}

// Columns [j0, j1) of the packed operand (j0 a multiple of 8): panel p only depends on
// columns 8p..8p+7 of the source, so packing a run of panels is packing a narrower operand.
function packRange(kind: i32, bp: usize, src: usize, K: i32, N: i32, ld: i32, j0: i32, j1: i32): bool {
  const dst = bp + (<usize>j0 * K << 2);
  if (kind == JOB_PACK_T) return packTransposed(dst, src + (<usize>j0 * ld << 2), j1 - j0, K);
  packRows(dst, src + (<usize>j0 << 2), K, j1 - j0, ld);
  return true;
}

function packChunk(pool: usize, kind: i32, chunk: i32): void {
  const N = arg(pool, 3);
  const j0 = chunk * arg(pool, 11) * 8;
  if (!packRange(kind, <usize>arg(pool, 0), <usize>arg(pool, 1), arg(pool, 2), N, arg(pool, 4), j0, min(N, j0 + arg(pool, 11) * 8))) {
    setArg(pool, 12, 0);
  }
}
