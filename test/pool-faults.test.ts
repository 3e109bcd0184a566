// The thread pool's faults (issue 10): a worker terminated from outside while a job runs must
// fail the call with WORKER_FAILED within the stall bound (assembly/threads.ts), never hang
// it, and a live worker that is merely late must not; a job limited to fewer threads than the
// pool has must not wake the workers above its thread count.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/index.js';
import { initThreads } from '../src/wasm.js';
import * as abi from '../src/abi.js';

/** The stall bound of assembly/threads.ts (STALL_MS) for jobs of small chunks. */
const STALL_MS = 3000;
/** What a loaded 2-core host may add to it (the caller's clock is read every ~50 us). */
const SLACK_MS = 3000;

const killChild = fileURLToPath(new URL('./pool-kill-child.mjs', import.meta.url));
const words = JSON.stringify({ POOL_WORDS: abi.POOL_WORDS, POOL_TRAP: abi.POOL_TRAP, POOL_LOST: abi.POOL_LOST });

interface Kill {
  error: { name: string; code: string; message: string } | null;
  held: boolean;
  killed: boolean;
  ms: number;
  exit: number | string;
  failed: boolean;
  lost: number;
  threadsAfter: number;
  same: boolean;
  freshThreads: number;
  sameFresh: boolean;
}

function runKill(mode: 'chunk' | 'window'): { late: Record<string, unknown> | null; kill: Kill } {
  const run = spawnSync(process.execPath, [killChild, words, mode], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60_000 });
  expect(run.status, `child exited with ${run.signal ?? run.status}: ${run.stderr} ${run.stdout}`).toBe(0);
  const result = JSON.parse(run.stdout);
  if (!result.kill.killed || result.late?.error) console.error(`${mode}: ${run.stdout}`); // diagnostics for a failure below
  return result;
}

function expectFailedAndRecovered(kill: Kill): void {
  expect(kill.held).toBe(true); // worker 1 really was stopped where the test put it
  expect(kill.killed).toBe(true);
  expect(kill.error?.name).toBe('WasmMlpError');
  expect(kill.error?.code).toBe('WORKER_FAILED');
  // Not before the bound (a live worker gets that long), and not much after it.
  expect(kill.ms).toBeGreaterThanOrEqual(STALL_MS - 50);
  expect(kill.ms).toBeLessThan(STALL_MS + SLACK_MS);
  expect(kill.exit).toBe(1); // the thread is gone (terminated), not merely stuck
  expect(kill.failed).toBe(true);
  expect(kill.lost).toBe(1);
  // Then the same network predicts, on one thread, the bits of a network that never had threads.
  expect(kill.threadsAfter).toBe(1);
  expect(kill.same).toBe(true);
  expect(kill.freshThreads).toBe(1);
  expect(kill.sameFresh).toBe(true);
}

describe('thread pool faults', () => {
  it('a worker terminated from outside while it holds a chunk: WORKER_FAILED after the stall bound, then one thread; a late but live worker is waited for', () => {
    const { late, kill } = runKill('chunk');
    // Worker 1 held its chunk for 1 s (under the bound): the call just waited for it.
    expect(late).toEqual({ error: null, held: true, ms: expect.any(Number), same: true, threads: 2, failed: false });
    expect(late!.ms as number).toBeGreaterThanOrEqual(1000);
    expectFailedAndRecovered(kill);
  }, 90_000);

  it('a worker terminated after its chunks but before it left the job: the next job fails with WORKER_FAILED instead of waiting for it forever', () => {
    const { kill } = runKill('window');
    expectFailedAndRecovered(kill);
  }, 90_000);

  it('a worker whose loop starts after a job was rung for it still looks at that job', async () => {
    // The pool hears "ready" before the worker enters workerLoop and may post at once: the
    // loop must not take the doorbell it finds as already seen. Raw core, one worker, a job
    // of no chunks rung for worker 1 before its loop starts.
    const module = new WebAssembly.Module(readFileSync(new URL('../build/wasm-mlp.threads.wasm', import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
    const pool = 65536;
    const w = new Int32Array(memory.buffer, pool, abi.POOL_WORDS);
    w[abi.POOL_SEQ] = 2;
    w[abi.POOL_THREADS] = 2;
    w[abi.POOL_CHUNKS] = 0;
    w[abi.POOL_WAKE + 1] = 2;
    const worker = new Worker(
      `require('node:worker_threads').parentPort.once('message', ({ module, memory, pool }) => {
        const core = new WebAssembly.Instance(module, { env: { memory, now: () => performance.now() } }).exports;
        core.workerLoop(pool, 1);
      });`,
      { eval: true },
    );
    try {
      worker.postMessage({ module, memory, pool });
      for (let t = 0; t < 100 && Atomics.load(w, abi.POOL_WOKEN + 1) === 0; t++) await new Promise((r) => setTimeout(r, 50));
      expect(Atomics.load(w, abi.POOL_WOKEN + 1)).toBe(1); // it woke for the job
      expect(Atomics.load(w, abi.POOL_NEXT)).toBe(1); // and tried to claim a chunk of it
      expect(Atomics.load(w, abi.POOL_ACTIVE)).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it('a job for 2 threads wakes only worker 1 of a 4-thread pool; a 4-thread job wakes worker 3', async () => {
    const layers = [{ units: 256, activation: 'relu' as const }, { units: 10, activation: 'softmax' as const }];
    const four = await Network.create({ inputSize: 300, layers, threads: 4, seed: 1 });
    const two = await Network.create({ inputSize: 300, layers, threads: 2, seed: 1 });
    expect(four.threads).toBe(4);
    expect(two.threads).toBe(2);
    const rt = (await initThreads(1))!;
    const pool = rt.pool!;
    const w = new Int32Array(rt.memory.buffer, pool.address, abi.POOL_WORDS);
    const woken = () => [1, 2, 3].map((id) => Atomics.load(w, abi.POOL_WOKEN + id));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Let any wake-up still pending from the networks' creation happen first.
    let before = woken();
    for (let stable = 0; stable < 5; ) {
      await sleep(40);
      const now = woken();
      stable = now.every((v, i) => v === before[i]) ? stable + 1 : 0;
      before = now;
    }
    const x = new Float32Array(200 * 300).map((_, i) => Math.sin(i));
    const expected = new Float32Array(200 * 10);
    // Each job waits until a worker has taken a chunk, so worker 1 certainly woke for them.
    pool.workersFirst = true;
    try {
      for (let i = 0; i < 5; i++) expected.set(two.predict(x));
    } finally {
      pool.workersFirst = false;
    }
    await sleep(200); // time for a wrongly woken worker to show up in its counter
    const after = woken();
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after.slice(1)).toEqual(before.slice(1));

    // The counters do see the workers above 2 when a job asks for them.
    pool.workersFirst = true;
    try {
      expect(Array.from(four.predict(x))).toEqual(Array.from(expected));
    } finally {
      pool.workersFirst = false;
    }
    // Workers wake asynchronously: one may finish every chunk before another has woken, so wait
    // (up to 5 s) until both workers above 2 show their wake-up.
    for (let t = 0; t < 100 && (woken()[1] === after[1] || woken()[2] === after[2]); t++) await sleep(50);
    expect(woken()[1]).toBeGreaterThan(after[1]);
    expect(woken()[2]).toBeGreaterThan(after[2]);
    four.dispose();
    two.dispose();
  }, 30_000);
});
