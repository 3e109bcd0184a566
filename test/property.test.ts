// Property tests over random architectures, batch sizes and data: the two backends agree,
// round trips are exact, a batch predicts like its rows, and caller data is never touched.
// (Gradients against central differences: test/gradcheck.test.ts.)
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Network, type NetworkOptions } from '../src/index.js';

const HIDDEN = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'] as const;

interface Case {
  options: NetworkOptions;
  x: Float32Array;
  y: Float32Array | Int32Array;
  rows: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 12 }),
    hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 12 }), activation: fc.constantFrom(...HIDDEN) }), { maxLength: 3 }),
    out: fc.integer({ min: 1, max: 6 }),
    head: fc.constantFrom('softmax-cce', 'softmax-mse', 'sigmoid-bce', 'linear-mse', 'tanh-mse'),
    rows: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer({ min: 0, max: 10_000 }),
  })
  .map(({ inputSize, hidden, out, head, rows, seed }) => {
    const [act, loss] = head.split('-');
    const units = act === 'softmax' ? Math.max(2, out) : out;
    const options: NetworkOptions = {
      inputSize,
      layers: [...hidden, { units, activation: act as 'softmax' }],
      loss: loss === 'cce' ? 'categorical-cross-entropy' : loss === 'bce' ? 'binary-cross-entropy' : 'mse',
      optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.5 },
      seed,
    };
    let s = seed + 1;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2; // [-2, 2)
    const x = Float32Array.from({ length: rows * inputSize }, rnd);
    const y =
      loss === 'cce'
        ? Int32Array.from({ length: rows }, () => Math.floor(((rnd() + 2) / 4) * units) % units)
        : Float32Array.from({ length: rows * units }, () => (loss === 'bce' ? (rnd() > 0 ? 1 : 0) : rnd()));
    return { options, x, y, rows };
  });

const describeCase = (c: Case) => `${JSON.stringify(c.options.layers)} ${c.options.loss}, ${c.rows} rows`;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) {
      throw new Error(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  }
}

function bits(arrays: Float32Array[]): number[] {
  return arrays.flatMap((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));
}

describe('properties', () => {
  it('wasm and js backends agree on predict, loss, gradients and a short fit [consistency only]', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const wasm = await Network.create({ ...c.options, backend: 'wasm' });
        const js = await Network.create({ ...c.options, backend: 'js' });
        const where = describeCase(c);
        close(wasm.predict(c.x), js.predict(c.x), 1e-5, `${where} predict`);
        close([wasm.evaluate(c.x, c.y).loss], [js.evaluate(c.x, c.y).loss], 1e-5, `${where} loss`);
        const gw = wasm.gradients(c.x, c.y);
        const gj = js.gradients(c.x, c.y);
        gw.weights.forEach((w, l) => close(w, gj.weights[l], 1e-4, `${where} dW[${l}]`));
        gw.biases.forEach((b, l) => close(b, gj.biases[l], 1e-4, `${where} db[${l}]`));
        await wasm.fit(c.x, c.y, { epochs: 2, batchSize: 7, shuffle: true });
        await js.fit(c.x, c.y, { epochs: 2, batchSize: 7, shuffle: true });
        const ww = wasm.getWeights();
        const wj = js.getWeights();
        ww.weights.forEach((w, l) => close(w, wj.weights[l], 1e-3, `${where} W[${l}] after fit`));
        wasm.dispose();
        js.dispose();
      }),
      { numRuns: 60, seed: 77 },
    );
  }, 60_000);

  for (const backend of ['wasm', 'js'] as const) {
    it(`save/load and JSON round trips are bit-exact and predict identically (${backend})`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const net = await Network.create({ ...c.options, backend });
          await net.fit(c.x, c.y, { epochs: 1, batchSize: 5 });
          const w = net.getWeights();
          const out = net.predict(c.x);
          for (const copy of [await Network.load(net.save(), { backend }), await Network.fromJSON(JSON.parse(JSON.stringify(net)), { backend })]) {
            const cw = copy.getWeights();
            expect(bits([...cw.weights, ...cw.biases]), describeCase(c)).toEqual(bits([...w.weights, ...w.biases]));
            expect(Array.from(copy.predict(c.x)), describeCase(c)).toEqual(Array.from(out));
            copy.dispose();
          }
          net.dispose();
        }),
        { numRuns: 40, seed: 78 },
      );
    }, 60_000);

    it(`predict on a batch equals predict row by row (${backend})`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const net = await Network.create({ ...c.options, backend });
          const n = c.options.inputSize;
          const outs = net.outputSize;
          const batch = net.predict(c.x);
          for (let r = 0; r < c.rows; r++) {
            const row = net.predict(c.x.subarray(r * n, (r + 1) * n));
            const expected = batch.subarray(r * outs, (r + 1) * outs);
            // The wasm kernels (4x8 tiles, 1-row, narrow C^T tiles) all sum k in order: same bits.
            if (backend === 'wasm') expect(Array.from(row), `${describeCase(c)} row ${r}`).toEqual(Array.from(expected));
            else close(row, expected, 1e-6, `${describeCase(c)} row ${r}`);
          }
          net.dispose();
        }),
        { numRuns: 40, seed: 79 },
      );
    }, 60_000);

    it(`fit, evaluate and gradients never mutate the caller's arrays (${backend})`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const x0 = c.x.slice();
          const y0 = c.y.slice();
          const net = await Network.create({ ...c.options, backend });
          await net.fit(c.x, c.y, { epochs: 2, batchSize: 3, shuffle: true, validationSplit: c.rows >= 4 ? 0.3 : undefined });
          net.evaluate(c.x, c.y);
          net.gradients(c.x, c.y);
          expect(Array.from(c.x)).toEqual(Array.from(x0));
          expect(Array.from(c.y)).toEqual(Array.from(y0));
          net.dispose();
        }),
        { numRuns: 30, seed: 80 },
      );
    }, 60_000);
  }
});
