// The seed notes' identities (../shared/seeds), each as a test that could fail.
import { describe, it, expect } from 'vitest';
import { Network } from '../src/index.js';
import { activate, costGradient, derivative, jacobian } from './reference/oracle.js';

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

describe('seed 000', () => {
  it("sigma'(z) = sigma(z)(1 - sigma(z)) = a(1 - a), against central differences", () => {
    for (let z = -8; z <= 8; z += 0.25) {
      const a = sigma(z);
      const numeric = (sigma(z + 1e-6) - sigma(z - 1e-6)) / 2e-6;
      expect(Math.abs(a * (1 - a) - numeric)).toBeLessThan(1e-9);
      expect(Math.abs(derivative('sigmoid', z) - numeric)).toBeLessThan(1e-9);
    }
  });
});

describe('seed 003: fused output deltas', () => {
  it('sigmoid + binary cross-entropy: dC/da * sigma\'(z) = a - y', () => {
    for (const z of [-5, -1.3, 0, 0.7, 4]) {
      for (const y of [0, 1, 0.3]) {
        const a = sigma(z);
        const unfused = costGradient('binary-cross-entropy', [a], [y])[0] * derivative('sigmoid', z);
        expect(Math.abs(unfused - (a - y))).toBeLessThan(1e-12);
      }
    }
  });

  it('softmax + categorical cross-entropy: J^T dC/da = a - y', () => {
    const z = [0.3, -1.2, 2.0, 0.1];
    const y = [0, 0, 1, 0];
    const a = activate('softmax', z);
    const g = costGradient('categorical-cross-entropy', a, y);
    const J = jacobian('softmax', z);
    a.forEach((ak, j) => {
      const unfused = g.reduce((s, gk, k) => s + gk * J[k][j], 0);
      expect(Math.abs(unfused - (ak - y[j]))).toBeLessThan(1e-12);
    });
  });

  for (const backend of ['wasm', 'js'] as const) {
    it(`the library's output-layer dC/db equals the batch mean of a - y (${backend})`, async () => {
      const net = await Network.create({
        inputSize: 3,
        layers: [{ units: 4, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
        loss: 'categorical-cross-entropy',
        backend,
      });
      const x = [[0.1, -0.4, 0.9], [1, 0.2, -0.3]];
      const labels = [2, 0];
      const a = net.predict(x);
      const g = net.gradients(x, labels);
      for (let k = 0; k < 3; k++) {
        const want = ((a[k] - (labels[0] === k ? 1 : 0)) + (a[3 + k] - (labels[1] === k ? 1 : 0))) / 2;
        expect(Math.abs(g.biases[1][k] - want)).toBeLessThan(1e-6);
      }
    });
  }
});

describe("seed 002: one neuron per layer, C = (a - y)^2", () => {
  // The chain written out by hand, as in the note: a1 = s(w1 x + b1), a2 = s(w2 a1 + b2),
  // a3 = s(w3 a2 + b3); dC/da3 = 2 (a3 - y); dC/da^{l-1} = dC/da^l * s'(z^l) * w^l.
  const [w1, w2, w3, b1, b2, b3] = [0.7, -1.1, 0.4, 0.1, -0.2, 0.3];
  const x = 0.9;
  const y = 0.25;
  const z1 = w1 * x + b1, a1 = sigma(z1);
  const z2 = w2 * a1 + b2, a2 = sigma(z2);
  const z3 = w3 * a2 + b3, a3 = sigma(z3);
  const dC_da3 = 2 * (a3 - y);
  const dC_dz3 = dC_da3 * a3 * (1 - a3);
  const dC_da2 = dC_dz3 * w3;
  const dC_dz2 = dC_da2 * a2 * (1 - a2);
  const dC_da1 = dC_dz2 * w2;
  const dC_dz1 = dC_da1 * a1 * (1 - a1);
  const seed002 = { w: [dC_dz1 * x, dC_dz2 * a1, dC_dz3 * a2], b: [dC_dz1, dC_dz2, dC_dz3] };

  for (const backend of ['wasm', 'js'] as const) {
    it(`library gradients (1/2 convention of seed 000) x 2 = seed 002's gradients (${backend})`, async () => {
      const net = await Network.create({
        inputSize: 1,
        layers: [1, 2, 3].map(() => ({ units: 1, activation: 'sigmoid' as const })),
        loss: 'mse',
        backend,
      });
      net.setWeights({ weights: [w1, w2, w3].map((w) => Float32Array.of(w)), biases: [b1, b2, b3].map((b) => Float32Array.of(b)) });
      const g = net.gradients([[x]], [[y]]);
      // Seed 000's loss is 1/2 (a - y)^2, seed 002's (a - y)^2: the same chain, a factor 2 apart.
      expect(Math.abs(g.loss * 2 - (a3 - y) ** 2)).toBeLessThan(1e-7);
      for (let l = 0; l < 3; l++) {
        expect(Math.abs(2 * g.weights[l][0] - seed002.w[l])).toBeLessThan(1e-6);
        expect(Math.abs(2 * g.biases[l][0] - seed002.b[l])).toBeLessThan(1e-6);
      }
    });
  }
});

describe('seed 004: row-vector form a W + b with W stored (in x out)', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`gives the library's output with W transposed (${backend})`, async () => {
      const net = await Network.create({
        inputSize: 3,
        layers: [{ units: 2, activation: 'elu' }, { units: 2, activation: 'linear' }],
        loss: 'mse',
        backend,
        seed: 5,
      });
      const { weights, biases } = net.getWeights();
      const x = [0.5, -1.5, 2];
      let a = x;
      weights.forEach((w, l) => {
        const nout = biases[l].length;
        const nin = a.length;
        // seed 004 stores W4 (in x out): W4[i][o] = W[o][i]; z = a W4 + b.
        const W4 = Array.from({ length: nin }, (_, i) => Array.from({ length: nout }, (_, o) => w[o * nin + i]));
        const z = Array.from({ length: nout }, (_, o) => a.reduce((s, ai, i) => s + ai * W4[i][o], 0) + biases[l][o]);
        a = l === 0 ? z.map((v) => (v > 0 ? v : Math.expm1(v))) : z;
      });
      const out = net.predict([x]);
      a.forEach((v, k) => expect(Math.abs(out[k] - v)).toBeLessThan(1e-5));
    });
  }
});

describe('seed 001: gradients averaged over the m samples of a batch', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`the batch gradient is the mean of per-sample gradients (${backend})`, async () => {
      const net = await Network.create({
        inputSize: 4,
        layers: [{ units: 5, activation: 'softplus' }, { units: 2, activation: 'sigmoid' }],
        loss: 'binary-cross-entropy',
        backend,
      });
      const xs = [[0.1, 0.2, -0.3, 0.4], [1, -1, 0.5, 0], [-0.7, 0.3, 0.3, 0.9]];
      const ys = [[1, 0], [0, 0], [1, 1]];
      const batch = net.gradients(xs, ys);
      const singles = xs.map((x, i) => net.gradients([x], [ys[i]]));
      for (const part of ['weights', 'biases'] as const) {
        batch[part].forEach((arr, l) => {
          arr.forEach((v, j) => {
            const mean = singles.reduce((s, g) => s + g[part][l][j], 0) / xs.length;
            expect(Math.abs(v - mean)).toBeLessThan(1e-6);
          });
        });
      }
      expect(Math.abs(batch.loss - singles.reduce((s, g) => s + g.loss, 0) / 3)).toBeLessThan(1e-6);
    });
  }
});
