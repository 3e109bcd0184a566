// Big training sets are streamed from the caller's arrays instead of copied into wasm memory
// (WasmEngine.streamBytes). Streaming must change nothing but memory: same bits as the copied
// path on every route through fit (whole epochs in the core, per-batch callbacks, validation),
// the same divergence handling, and the caller's arrays untouched.
import { describe, it, expect, afterEach } from 'vitest';
import { Network, WasmMlpError, type OptimizerOptions } from '../src/index.js';
import { WasmEngine } from '../src/backends/wasm.js';

const saved = WasmEngine.streamBytes;
afterEach(() => {
  WasmEngine.streamBytes = saved;
});

function task(n: number, nin: number, classes: number) {
  const x = new Float32Array(n * nin).map((_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
  return { x, y };
}

async function train(stream: boolean, fitOptions: object, optimizer: OptimizerOptions = { kind: 'adam', learningRate: 0.01 }) {
  WasmEngine.streamBytes = stream ? 0 : saved;
  const { x, y } = task(203, 17, 5);
  const xCopy = x.slice();
  const net = await Network.create({
    inputSize: 17,
    layers: [{ units: 33, activation: 'tanh' }, { units: 5, activation: 'softmax' }],
    optimizer,
    seed: 5,
  });
  const history = await net.fit(x, y, { epochs: 4, batchSize: 16, ...fitOptions });
  expect(x).toEqual(xCopy);
  const w = net.getWeights();
  net.dispose();
  const bits = [...w.weights, ...w.biases].flatMap((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));
  return { bits, loss: history.loss, accuracy: history.accuracy, valLoss: history.valLoss };
}

describe('streamed training sets', () => {
  const routes: [string, object][] = [
    ['whole epochs in one call, shuffled', { shuffle: true }],
    ['whole epochs, not shuffled', { shuffle: false }],
    ['per-batch callbacks', { shuffle: true, onBatchEnd: () => undefined }],
    ['per-epoch callbacks with validation', { shuffle: true, validationSplit: 0.2, onEpochEnd: () => undefined }],
  ];
  for (const [name, options] of routes) {
    it(`train to the same bits as copied sets: ${name} [consistency only]`, async () => {
      const copied = await train(false, options);
      const streamed = await train(true, options);
      expect(streamed.bits).toEqual(copied.bits);
      expect(streamed.loss).toEqual(copied.loss);
      expect(streamed.accuracy).toEqual(copied.accuracy);
      expect(streamed.valLoss).toEqual(copied.valLoss);
    });
  }

  it('stop on divergence with the same report and the same restored, finite weights [consistency only]', async () => {
    const errors: string[] = [];
    const weights: number[][] = [];
    for (const stream of [false, true]) {
      WasmEngine.streamBytes = stream ? 0 : saved;
      const { x, y } = task(203, 17, 5);
      const net = await Network.create({
        inputSize: 17, layers: [{ units: 33, activation: 'tanh' }, { units: 5, activation: 'softmax' }],
        optimizer: { kind: 'sgd', learningRate: 1e38 }, seed: 5,
      });
      const before = net.getWeights();
      try {
        await net.fit(x, y, { epochs: 4, batchSize: 16, shuffle: true });
        errors.push('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(WasmMlpError);
        expect((e as WasmMlpError).code).toBe('DIVERGED');
        errors.push((e as Error).message);
      }
      const after = net.getWeights();
      const flat = [...after.weights, ...after.biases].flatMap((a) => Array.from(a));
      expect(flat.every(Number.isFinite)).toBe(true);
      // The step that blew up changed the weights (a rate of 1e30) or was skipped: either way
      // they are the last finite ones, and the two routes agree on them bit for bit.
      expect(flat).not.toEqual([...before.weights, ...before.biases].flatMap((a) => Array.from(a)));
      weights.push(flat);
      net.dispose();
    }
    WasmEngine.streamBytes = saved;
    expect(errors[0]).toMatch(/^fit: the loss became/);
    expect(errors[1]).toBe(errors[0]);
    expect(weights[1]).toEqual(weights[0]);
  });

  it('hold no copy of a big set in wasm memory', async () => {
    const { x, y } = task(20_000, 256, 10); // 20 MB of inputs: above the default threshold
    const net = await Network.create({ inputSize: 256, layers: [{ units: 16, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 1 });
    const before = net.memoryBytes;
    let during = 0;
    await net.fit(x, y, { epochs: 1, batchSize: 500, onBatchEnd: () => void (during = Math.max(during, net.memoryBytes)) });
    expect(during - before).toBeLessThan(1024 * 1024); // batch regions and per-batch results only
    net.dispose();
  });
});

describe('event loop during a long fit', () => {
  it('timers keep running while whole epochs run in the core, and a timer can abort', async () => {
    const net = await Network.create({ inputSize: 2, layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' });
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [[0], [1], [1], [0]];
    // Gaps are measured in this process's CPU time, not wall time: on a loaded machine the
    // process itself is descheduled for stretches that no yielding can shorten, and those
    // made the wall-clock form of this test fail when other jobs shared the 2 cores.
    const cpu = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let ticks = 0;
    let last = cpu();
    let maxGap = 0;
    const timer = setInterval(() => {
      const t = cpu();
      maxGap = Math.max(maxGap, t - last);
      last = t;
      ticks++;
    }, 2);
    const started = cpu();
    // Long enough (about a second) that the first in-core chunk, sized before any rate is
    // measured and allowed to cover a tiny net's whole short fit, is a small part of it.
    await net.fit(x, y, { epochs: 1_000_000, batchSize: 4 });
    const elapsed = cpu() - started;
    clearInterval(timer);
    // fit yields every ~20 ms of work: the interval fires throughout, never starved.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 100));
    expect(maxGap).toBeLessThan(250);
    // An abort from a timer stops a fit that has no callbacks at all.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const h = await net.fit(x, y, { epochs: 10_000_000, batchSize: 4, signal: controller.signal });
    expect(h.stopReason).toBe('aborted');
    expect(h.loss.length).toBeLessThan(10_000_000);
    net.dispose();
  }, 60_000);
});
