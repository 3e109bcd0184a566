// threads: n. Work is split over a worker pool on one shared memory; every split must give
// the single-threaded bits (DESIGN 6), the split must really happen (workers compute chunks),
// and where shared memory is missing the network runs on one thread after one warning line.
import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Network, WasmMlpError, terminateWorkers } from '../src/index.js';
import { initThreads } from '../src/wasm.js';
// @ts-expect-error: plain ESM helper shared with the child script and the browser page
import { trainThreaded } from './threads-task.mjs';

type Result = { threads: number; hex: string };
const child = fileURLToPath(new URL('./threads-child.mjs', import.meta.url));

describe('threads', () => {
  const optimizers = [
    { kind: 'adam', learningRate: 0.003, weightDecay: 1e-4 },
    { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
    { kind: 'rmsprop', learningRate: 0.001 },
  ];
  for (const optimizer of optimizers) {
    it(`train the same bits on 1, 2 and 3 threads, the workers taking part (consistency; the 1-thread core is checked against PyTorch in fixtures.test.ts) (${optimizer.kind})`, async () => {
      const one: Result = await trainThreaded(Network, 1, optimizer);
      const pool = (await initThreads(1))!.pool!;
      // Each job waits for a worker's chunk, so the pool's counter proves the workers ran.
      pool.workersFirst = true;
      let two: Result;
      let three: Result;
      const chunks = [pool.workerChunks];
      try {
        two = await trainThreaded(Network, 2, optimizer);
        chunks.push(pool.workerChunks);
        three = await trainThreaded(Network, 3, optimizer);
        chunks.push(pool.workerChunks);
      } finally {
        pool.workersFirst = false;
      }
      expect(chunks[1]).toBeGreaterThan(chunks[0]);
      expect(chunks[2]).toBeGreaterThan(chunks[1]);
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      expect(three.threads).toBe(3);
      expect(two.hex).toBe(one.hex);
      expect(three.hex).toBe(one.hex);
    }, 60_000);
  }

  it('terminateWorkers() stops the pool: networks go on with one thread and the same bits, and threads come back on request [consistency only]', async () => {
    const options = { inputSize: 300, layers: [{ units: 256, activation: 'relu' as const }, { units: 10, activation: 'softmax' as const }], seed: 9 };
    const x = Float32Array.from({ length: 64 * 300 }, (_, i) => Math.cos(i * 0.11));
    const expected = (await Network.create({ ...options, threads: 1 })).predict(x);
    const net = await Network.create({ ...options, threads: 2 });
    const pool = (await initThreads(1))!.pool!;
    expect(net.threads).toBe(2);
    expect(pool.size).toBeGreaterThanOrEqual(2);
    await terminateWorkers();
    expect(pool.size).toBe(1);
    expect(net.threads).toBe(1);
    const before = pool.workerChunks;
    expect(net.predict(x)).toEqual(expected);
    expect(pool.workerChunks).toBe(before); // no worker took part
    const again = await Network.create({ ...options, threads: 2 });
    expect(again.threads).toBe(2);
    expect(net.threads).toBe(2);
    pool.workersFirst = true;
    try {
      expect(again.predict(x)).toEqual(expected);
    } finally {
      pool.workersFirst = false;
    }
    expect(pool.workerChunks).toBeGreaterThan(before);
    expect(pool.failed).toBe(false);
    for (const n of [net, again]) n.dispose();
  }, 60_000);

  it('really splits the work: workers compute chunks of big products', async () => {
    const net = await Network.create({ inputSize: 300, layers: [{ units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }], threads: 2 });
    const pool = (await initThreads(1))!.pool!;
    const before = pool.workerChunks;
    // Every job then waits until a worker has taken a chunk: on a loaded CI machine a worker
    // may otherwise not be scheduled before the calling thread has done all the work.
    pool.workersFirst = true;
    try {
      net.predict(new Float32Array(200 * 300).map((_, i) => Math.sin(i)));
    } finally {
      pool.workersFirst = false;
    }
    expect(pool.workerChunks).toBeGreaterThan(before);
    net.dispose();
  });

  it('gives the same predictions, evaluation and gradients as one thread on big batches [consistency only]', async () => {
    const options = {
      inputSize: 300,
      layers: [{ units: 129, activation: 'elu' as const }, { units: 64, activation: 'sigmoid' as const }, { units: 3, activation: 'softmax' as const }],
      seed: 11,
    };
    const a = await Network.create(options);
    const b = await Network.create({ ...options, threads: 2 });
    // Each job waits for a worker's chunk, so the pool's counter proves two threads ran.
    const pool = (await initThreads(1))!.pool!;
    pool.workersFirst = true;
    const before = pool.workerChunks;
    onTestFinished(() => {
      pool.workersFirst = false;
    });
    const rows = 517;
    const x = new Float32Array(rows * 300).map((_, i) => Math.cos(i * 0.013));
    const y = Array.from({ length: rows }, (_, i) => i % 3);
    const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
    expect(bits(b.predict(x))).toEqual(bits(a.predict(x)));
    expect(b.evaluate(x, y)).toEqual(a.evaluate(x, y));
    const ga = a.gradients(x.subarray(0, 200 * 300), y.slice(0, 200));
    const gb = b.gradients(x.subarray(0, 200 * 300), y.slice(0, 200));
    expect(gb.loss).toBe(ga.loss);
    ga.weights.forEach((w, l) => expect(bits(gb.weights[l])).toEqual(bits(w)));
    ga.biases.forEach((w, l) => expect(bits(gb.biases[l])).toEqual(bits(w)));
    expect(pool.workerChunks).toBeGreaterThan(before);
    a.dispose();
    b.dispose();
  });

  it('keeps networks with different thread counts on one pool apart', async () => {
    const make = (threads: number, seed: number) =>
      Network.create({ inputSize: 64, layers: [{ units: 512, activation: 'relu' }, { units: 4, activation: 'softmax' }], seed, threads });
    const nets = await Promise.all([make(1, 1), make(2, 2), make(3, 3), make(2, 1)]);
    const x = new Float32Array(128 * 64).map((_, i) => Math.sin(i));
    const y = Array.from({ length: 128 }, (_, i) => i % 4);
    for (let round = 0; round < 3; round++) {
      for (const net of nets) await net.fit(x, y, { epochs: 1, batchSize: 32 });
    }
    // Same seed, 1 thread and 2 threads, trained in an interleaved order: same weights.
    const w0 = nets[0].getWeights().weights[0];
    const w3 = nets[3].getWeights().weights[0];
    expect(Array.from(new Uint32Array(w3.buffer))).toEqual(Array.from(new Uint32Array(w0.buffer)));
    expect(nets.map((n) => n.threads)).toEqual([1, 2, 3, 2]);
    nets.forEach((n) => n.dispose());
  });

  it('rejects bad thread counts with a typed error naming the option', async () => {
    for (const threads of [0, -1, 1.5, 17, '2', 'all', NaN, null]) {
      await expect(Network.create({ inputSize: 2, layers: [{ units: 1 }], threads: threads as number })).rejects.toSatisfy(
        (e: unknown) => e instanceof WasmMlpError && e.code === 'INVALID_OPTION' && e.message.startsWith('threads:'),
      );
    }
    await expect(Network.create({ inputSize: 2, layers: [{ units: 1 }], backend: 'js', threads: 2 })).rejects.toThrow(/threads: the 'js' backend runs on one thread/);
    const net = await Network.create({ inputSize: 2, layers: [{ units: 1 }] });
    await expect(Network.load(net.save(), { threads: 99 })).rejects.toThrow(/options.threads/);
    const auto = await Network.create({ inputSize: 2, layers: [{ units: 1 }], threads: 'auto' });
    const { availableParallelism } = await import('node:os');
    expect(auto.threads).toBe(Math.min(16, availableParallelism()));
    expect((await Network.create({ inputSize: 2, layers: [{ units: 1 }], backend: 'js', threads: 'auto' })).threads).toBe(1);
    const loaded = await Network.load(net.save(), { threads: 2 });
    expect(loaded.threads).toBe(2);
    expect(loaded.predict([[1, 2]])).toEqual(net.predict([[1, 2]]));
  });

  it('falls back to one thread with one warning line where SharedArrayBuffer is missing', async () => {
    const run = spawnSync(process.execPath, [child, 'no-sab'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(run.status).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(['wasm-mlp: running on 1 thread: SharedArrayBuffer is not available']);
    const { a, b } = JSON.parse(run.stdout) as { a: Result; b: Result };
    const one: Result = await trainThreaded(Network, 1);
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(1);
    expect(a.hex).toBe(one.hex);
    expect(b.hex).toBe(one.hex);
  }, 60_000);

  it('a worker that dies inside a job: the call fails with WORKER_FAILED, weights restored, training goes on with one thread', async () => {
    const failChild = fileURLToPath(new URL('./worker-fail-child.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [failChild], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.before).toEqual({ threads: 2, same: true });
    expect(r.error.name).toBe('WasmMlpError');
    expect(r.error.code).toBe('WORKER_FAILED');
    expect(r.error.message).toMatch(/worker thread failed/);
    expect(r.restored).toBe(true);
    expect(r.victimIntact).toBe(true);
    expect(r.failed).toBe(true);
    expect(r.threadsAfter).toBe(1);
    expect(r.freshThreads).toBe(1);
    expect(r.same).toBe(true);
    expect(r.predictions).toBe(10);
  }, 90_000);

  it('uses worker_threads in Node even when a library installed a global Worker shim', async () => {
    const run = spawnSync(process.execPath, [child, 'shim'], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const { a, b } = JSON.parse(run.stdout) as { a: Result; b: Result };
    const one: Result = await trainThreaded(Network, 1);
    expect(a.threads).toBe(2);
    expect(b.threads).toBe(2);
    expect(a.hex).toBe(one.hex);
  }, 90_000);
});
