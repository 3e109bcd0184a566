// The loss and accuracy paths no other test reached (found by npm run mutate: NoCoverage and
// survivors in src/backends/js.ts): binary cross-entropy on a softmax output (the unfused
// delta dC/da * g'(z) through the softmax Jacobian, not the fused a - y), and the accuracy of
// each kind of output, both against definitions written here.
import { describe, it, expect } from 'vitest';
import { Network, type NetworkOptions } from '../src/index.js';
import { batchGradients, batchLoss, type Model, type Params } from './reference/oracle.js';

const X = [[0.3, -1.2, 0.8], [1.5, 0.2, -0.4], [-0.7, 0.9, 0.1], [0.05, -0.3, -1.1], [2.0, 1.0, 0.5]];

function paramsOf(net: Network): Params {
  const w = net.getWeights();
  return { weights: w.weights.map((a) => Array.from(a)), biases: w.biases.map((a) => Array.from(a)) };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, where: string) {
  let peak = 0;
  for (let i = 0; i < b.length; i++) peak = Math.max(peak, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    const tol = 1e-4 * peak + 1e-5 * Math.abs(b[i]);
    if (!(Math.abs(a[i] - b[i]) <= tol)) throw new Error(`${where}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

for (const backend of ['wasm', 'js'] as const) {
  describe(`losses and accuracy against definitions (${backend})`, () => {
    it('binary cross-entropy on a softmax output: loss and gradients equal the float64 oracle', async () => {
      const options: NetworkOptions = {
        inputSize: 3, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'binary-cross-entropy', seed: 8, backend,
      };
      const net = await Network.create(options);
      const Y = [[1, 0, 0], [0, 1, 1], [0, 0, 1], [1, 1, 0], [0, 0, 0]];
      const model: Model = { inputSize: 3, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'binary-cross-entropy' };
      const p = paramsOf(net);
      const want = batchGradients(model, p, X, Y);
      const got = net.gradients(X, Y);
      close([got.loss], [want.loss], 'loss');
      close([net.evaluate(X, Y).loss], [batchLoss(model, p, X, Y)], 'evaluate loss');
      got.weights.forEach((g, l) => close(g, want.grads.weights[l], `dW[${l}]`));
      got.biases.forEach((g, l) => close(g, want.grads.biases[l], `db[${l}]`));
      net.dispose();
    });

    it('accuracy: per-unit thresholds at 0.5 for sigmoid outputs, argmax for softmax, ties to the first', async () => {
      // Several sigmoid units (multi-label): the fraction of units on the right side of 0.5.
      const multi = await Network.create({ inputSize: 3, layers: [{ units: 3, activation: 'sigmoid' }], loss: 'binary-cross-entropy', seed: 2, backend });
      const Ym = [[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0], [1, 0, 0]];
      const out = multi.predict(X);
      let hits = 0;
      for (let i = 0; i < X.length; i++) for (let j = 0; j < 3; j++) if ((out[i * 3 + j] >= 0.5) === (Ym[i][j] >= 0.5)) hits++;
      expect(multi.evaluate(X, Ym).accuracy).toBeCloseTo(hits / (3 * X.length), 12);
      expect(hits % (3 * X.length)).not.toBe(0); // a fraction, not all or nothing: the test sees the mean
      // Accuracy is reported for the cross-entropy losses only.
      const one = await Network.create({ inputSize: 3, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'mse', seed: 5, backend });
      expect(one.evaluate(X, [[1], [0], [1], [1], [0]]).accuracy).toBeUndefined();
      // Softmax: argmax of the output against argmax of the target row.
      const soft = await Network.create({ inputSize: 3, layers: [{ units: 4, activation: 'softmax' }], seed: 9, backend });
      const os = soft.predict(X);
      const labels = [3, 1, 0, 2, 1];
      const argmax = (row: ArrayLike<number>) => {
        let best = 0;
        for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
        return best;
      };
      const wantS = labels.filter((c, i) => argmax(os.subarray(i * 4, i * 4 + 4)) === c).length / X.length;
      expect(soft.evaluate(X, labels).accuracy).toBeCloseTo(wantS, 12);
      // Targets with a tie (two equal maxima) count for the first of them.
      const tied = [[0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0.5, 0.5], [0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5]];
      const firstMax = (row: number[]) => row.indexOf(Math.max(...row));
      const wantT = tied.filter((row, i) => argmax(os.subarray(i * 4, i * 4 + 4)) === firstMax(row)).length / X.length;
      expect(soft.evaluate(X, tied).accuracy).toBeCloseTo(wantT, 12);
      for (const n of [multi, one, soft]) n.dispose();
    });
  });
}
