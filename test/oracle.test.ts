// The oracle itself against PyTorch (float64 both): it must be right before it judges.
import { describe, it } from 'vitest';
import { FIXTURES, expectClose } from './reference/fixtures.js';
import { Optimizer, batchGradients, batchLoss, cloneParams, forward, rows } from './reference/oracle.js';

const TOL = 1e-9;

describe('float64 oracle vs PyTorch fixtures', () => {
  for (const f of FIXTURES) {
    it(f.name, () => {
      const xs = rows(f.x, f.inputSize);
      const ys = rows(f.y, f.layers[f.layers.length - 1].units);
      const p = { weights: f.weights, biases: f.biases };
      expectClose(xs.flatMap((x) => forward(f, p, x).as[f.layers.length]), f.output, TOL, `${f.name} output`);
      const { loss, grads } = batchGradients(f, p, xs, ys);
      expectClose([loss], [f.lossValue], TOL, `${f.name} loss`);
      f.layers.forEach((_, l) => {
        expectClose(grads.weights[l], f.gradWeights[l], TOL, `${f.name} dC/dW[${l}]`);
        expectClose(grads.biases[l], f.gradBiases[l], TOL, `${f.name} dC/db[${l}]`);
      });
      for (const s of f.steps) {
        const q = cloneParams(p);
        const opt = new Optimizer(s.optimizer);
        const where = `${f.name} ${JSON.stringify(s.optimizer)}`;
        for (let t = 0; t < s.count; t++) {
          expectClose([batchLoss(f, q, xs, ys)], [s.losses[t]], TOL, `${where} loss before step ${t}`);
          opt.step(q, batchGradients(f, q, xs, ys).grads);
        }
        f.layers.forEach((_, l) => {
          expectClose(q.weights[l], s.weightsAfter[l], TOL, `${where} W[${l}] after`);
          expectClose(q.biases[l], s.biasesAfter[l], TOL, `${where} b[${l}] after`);
        });
      }
    });
  }
});
