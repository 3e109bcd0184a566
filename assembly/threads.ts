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
//           arguments; post(): reset the counters, SEQ += 1 (even: "posted"), notify
//           sleepers, claim chunks itself, then spin until DONE == chunks. It never calls
//           atomic.wait, so a browser main thread may be the caller.
//   The arguments are plain stores: the caller's SEQ increment (an atomic, so a release) and
//   a worker's SEQ load (an acquire) order them before the worker's plain loads.
//   worker: wait until SEQ is even and new, ACTIVE += 1, and only if SEQ is still that value
//           claim chunks; ACTIVE -= 1. A worker that arrives late either sees the odd SEQ of
//           the next job (and claims nothing) or is counted in ACTIVE before the caller
//           rewrites the job, so it never reads a half-written one.
// All wasm atomics are sequentially consistent, which this argument relies on.
//
// A worker that traps inside a job (a bug, never expected) would leave its chunk undone and
// the caller spinning forever. Its JS wrapper (src/worker.ts) counts it in FAILED before it
// dies; the caller's spin sees that, waits until every live worker has left the job (ACTIVE
// down to the dead ones, who never decrement it), and traps too, which TS reports as a
// WORKER_FAILED error. From then on every job stays on the calling thread.

import {
  NET_POOL, NET_THREADS, NET_TILE,
  POOL_SEQ, POOL_NEXT, POOL_DONE, POOL_ACTIVE, POOL_SLEEPERS, POOL_CHUNKS,
  POOL_THREADS, POOL_KIND, POOL_WORKER_CHUNKS, POOL_WORKERS_FIRST, POOL_ARGS, POOL_TILES,
  POOL_FAILED, POOL_TRAP,
  JOB_GEMM, JOB_OPTIMIZER, JOB_PACK_T, JOB_PACK_ROWS, JOB_GEMM_SPARSE, JOB_SPARSE_COUNT, JOB_SPARSE_FILL,
} from '../src/abi';
import { gemm, gemmSparse, packTransposed, packRows, sparseRows, sparseCount, sparseStarts, sparseFill, sparseHeaderBytes } from './gemm';
import { optimizerRange } from './optimizers';

/** Below this many multiply-adds a gemm stays on the calling thread (~4 us of work; a hand-off
 * to a spinning worker costs ~1 us). */
const GEMM_MIN_MACS: i64 = 1 << 16;
/** Below this many parameters an optimizer step stays on the calling thread. */
const UPDATE_MIN: i32 = 1 << 16;
/** Chunks per thread: a late or descheduled worker leaves less for the others to wait on. */
const CHUNKS_PER_THREAD: i32 = 4;
/** Polls of SEQ before a worker goes to sleep in atomic.wait (about a millisecond). */
const SPIN_POLLS: i32 = 1 << 18;

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

// A worker died inside the posted job: wait until the live ones have left it (so none still
// writes into the job's output), then trap.
function abandon(pool: usize): void {
  while (atomic.load<i32>(word(pool, POOL_ACTIVE)) > atomic.load<i32>(word(pool, POOL_FAILED))) {}
  unreachable();
}

// Opens a job: SEQ odd, then waits until no worker is still looking at the previous one.
// The caller writes the job's arguments after this and before post().
function begin(pool: usize): void {
  atomic.add<i32>(word(pool, POOL_SEQ), 1);
  while (atomic.load<i32>(word(pool, POOL_ACTIVE)) != 0) {}
}

// Posts the job (SEQ even), wakes sleepers, works on it, and returns when every chunk is done.
function post(pool: usize, kind: i32, chunks: i32, threads: i32, tile: usize): void {
  atomic.store<i32>(word(pool, POOL_KIND), kind);
  atomic.store<i32>(word(pool, POOL_CHUNKS), chunks);
  atomic.store<i32>(word(pool, POOL_THREADS), threads);
  atomic.store<i32>(word(pool, POOL_NEXT), 0);
  atomic.store<i32>(word(pool, POOL_DONE), 0);
  atomic.add<i32>(word(pool, POOL_SEQ), 1);
  if (atomic.load<i32>(word(pool, POOL_SLEEPERS)) != 0) atomic.notify(word(pool, POOL_SEQ), -1);
  // Tests switch this on to make "the workers took part" deterministic on a loaded machine,
  // where a worker may otherwise not be scheduled before the caller has done everything.
  if (atomic.load<i32>(word(pool, POOL_WORKERS_FIRST)) != 0) {
    while (atomic.load<i32>(word(pool, POOL_NEXT)) == 0) {
      if (atomic.load<i32>(word(pool, POOL_FAILED)) != 0) abandon(pool);
    }
  }
  claim(pool, tile, false);
  while (atomic.load<i32>(word(pool, POOL_DONE)) < chunks) {
    if (atomic.load<i32>(word(pool, POOL_FAILED)) != 0) abandon(pool);
  }
}

// Claims and computes chunks of the posted job until none is left.
function claim(pool: usize, tile: usize, worker: bool): void {
  const chunks = atomic.load<i32>(word(pool, POOL_CHUNKS));
  const kind = atomic.load<i32>(word(pool, POOL_KIND));
  while (true) {
    const c = atomic.add<i32>(word(pool, POOL_NEXT), 1);
    if (c >= chunks) return;
    // Tests: a worker fails with chunk c claimed and undone.
    if (worker && atomic.load<i32>(word(pool, POOL_TRAP)) != 0 && atomic.cmpxchg<i32>(word(pool, POOL_TRAP), 1, 0) == 1) unreachable();
    if (kind == JOB_GEMM) gemmChunk(pool, c, tile);
    else if (kind == JOB_GEMM_SPARSE) sparseChunk(pool, c);
    else if (kind == JOB_SPARSE_COUNT || kind == JOB_SPARSE_FILL) listChunk(pool, kind, c);
    else if (kind == JOB_OPTIMIZER) updateChunk(pool, c);
    else packChunk(pool, kind, c);
    if (worker) atomic.add<i32>(word(pool, POOL_WORKER_CHUNKS), 1);
    atomic.add<i32>(word(pool, POOL_DONE), 1);
  }
}

/**
 * A worker's life: instantiate, then call this once. It never returns.
 * `id` (1..) picks the worker's tile scratch and whether it joins jobs limited to fewer threads.
 */
export function workerLoop(pool: usize, id: i32): void {
  const tile = pool + (<usize>(POOL_TILES + 32 * id) << 2);
  const seq = word(pool, POOL_SEQ);
  let seen = atomic.load<i32>(seq);
  while (true) {
    let s = atomic.load<i32>(seq);
    let polls = 0;
    while (s == seen || (s & 1) != 0) {
      if (++polls > SPIN_POLLS) {
        atomic.add<i32>(word(pool, POOL_SLEEPERS), 1);
        atomic.wait<i32>(seq, s, -1);
        atomic.sub<i32>(word(pool, POOL_SLEEPERS), 1);
        polls = 0;
      }
      s = atomic.load<i32>(seq);
    }
    seen = s;
    atomic.add<i32>(word(pool, POOL_ACTIVE), 1);
    if (atomic.load<i32>(seq) == s && id < atomic.load<i32>(word(pool, POOL_THREADS))) claim(pool, tile, true);
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
