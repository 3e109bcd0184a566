// Numerical faults: saturated outputs keep cross-entropy finite, softmax survives large
// logits, and divergence never leaves NaN in the weights.
import { describe, it, expect } from 'vitest';
import { Network, WasmMlpError } from '../src/index.js';

for (const backend of ['wasm', 'js'] as const) {
  describe(`numerics (${backend})`, () => {
    it('binary cross-entropy stays finite and correct for saturated sigmoid outputs', async () => {
      const net = await Network.create({ inputSize: 1, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', backend });
      net.setWeights({ weights: [Float32Array.of(1)], biases: [Float32Array.of(0)] });
      // z = 200: a rounds to exactly 1 in float32, so log(1 - a) would be -Infinity.
      const r = net.evaluate([[200]], [[0]]);
      expect(r.loss).toBeCloseTo(200, 3); // -log(1 - sigmoid(200)) = 200 + log1p(e^-200)
      const g = net.gradients([[200]], [[0]]);
      expect(g.weights[0][0]).toBeCloseTo(200, 3); // (a - y) x
      expect(net.evaluate([[-200]], [[0]]).loss).toBeLessThan(1e-30 + 1e-6);
    });

    it('binary cross-entropy of a sigmoid output matches log(1 + e^z) - y z over z in [-30, 30]', async () => {
      const net = await Network.create({ inputSize: 1, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', backend });
      net.setWeights({ weights: [Float32Array.of(1)], biases: [Float32Array.of(0)] });
      const exact = (z: number, y: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
      const zs: number[] = [];
      for (let i = -300; i <= 300; i++) zs.push(Math.fround(i / 10 + 0.013));
      zs.push(0, 1e-7, -1e-7);
      for (const y of [0, 1]) {
        for (const z of zs) {
          const want = exact(z, y);
          const got = net.evaluate([[z]], [[y]]).loss;
          // 1e-6 relative, plus two float32 ulps of softplus(z) where y z cancels most of it.
          const tol = 1e-6 * want + 2.4e-7 * Math.max(1, Math.abs(z)) * y + 1e-30;
          expect(Math.abs(got - want), `z ${z} y ${y}`).toBeLessThanOrEqual(tol);
        }
      }
      // Seven rows at once, targets mixed: one four-lane pass and a three-lane tail.
      const batch = [-7.5, 3.25, 0.5, -0.125, 12, -2, 1];
      const ys = [1, 0, 0, 1, 1, 0, 1];
      const mean = batch.reduce((s, z, i) => s + exact(z, ys[i]), 0) / batch.length;
      const got = net.evaluate(batch.map((z) => [z]), ys.map((y) => [y])).loss;
      expect(Math.abs(got - mean)).toBeLessThanOrEqual(1e-6 * mean + 2.4e-7 * 12);
    });

    it('accuracy of one output is the share of rows on the right side of 0.5, for any row count', async () => {
      const net = await Network.create({ inputSize: 1, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', backend });
      net.setWeights({ weights: [Float32Array.of(1)], biases: [Float32Array.of(0)] });
      for (let rows = 1; rows <= 9; rows++) {
        // z = x: rows alternate sides of 0.5, with z = 0 (a = 0.5 exactly, counted as >= 0.5).
        const x = Float32Array.from({ length: rows }, (_, i) => [0, -2, 3, -0.5, 1, 0, -4, 2, -1][i]);
        const y = Float32Array.from({ length: rows }, (_, i) => [1, 0, 0, 1, 1, 0, 0, 1, 1][i]);
        const a = net.predict(x);
        let hits = 0;
        for (let i = 0; i < rows; i++) if ((a[i] >= 0.5) === (y[i] >= 0.5)) hits++;
        expect(net.evaluate(x, y).accuracy, `${rows} rows`).toBe(hits / rows);
      }
    });

    it('softmax + categorical cross-entropy stay finite for logits of 1e4', async () => {
      const net = await Network.create({ inputSize: 1, layers: [{ units: 3, activation: 'softmax' }], backend });
      net.setWeights({ weights: [Float32Array.of(1e4, -1e4, 0)], biases: [new Float32Array(3)] });
      const out = net.predict([[1]]);
      expect(Array.from(out)).toEqual([1, 0, 0]);
      const r = net.evaluate([[1]], [1]); // true class has logit -1e4: loss = 2e4
      expect(r.loss).toBeCloseTo(2e4, 0);
      const g = net.gradients([[1]], [1]);
      expect(Array.from(g.biases[0])).toEqual([1, -1, 0]);
    });

    it('a divergence that already poisoned the weights restores the epoch-start weights', async () => {
      const net = await Network.create({
        inputSize: 1,
        layers: [{ units: 1, activation: 'linear' }],
        loss: 'mse',
        optimizer: { kind: 'sgd', learningRate: 1e30 },
        backend,
      });
      net.setWeights({ weights: [Float32Array.of(1)], biases: [Float32Array.of(0)] });
      const x = Float32Array.of(1e6, 2e6);
      let err: unknown;
      try {
        await net.fit(x, Float32Array.of(0, 0), { epochs: 3, batchSize: 1, shuffle: false });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WasmMlpError);
      expect((err as WasmMlpError).code).toBe('DIVERGED');
      expect((err as Error).message).toMatch(/epoch 0, batch 1/);
      const w = net.getWeights();
      expect(Number.isFinite(w.weights[0][0]) && Number.isFinite(w.biases[0][0])).toBe(true);
      expect(net.save().length).toBeGreaterThan(0); // nothing non-finite to save
      // Usable afterwards.
      net.setWeights({ weights: [Float32Array.of(0.5)], biases: [Float32Array.of(0)] });
      expect(Array.from(net.predict([[2]]))).toEqual([1]);
    });
  });
}
