// Both backends against every PyTorch fixture: predict, loss, gradients, and every optimizer
// sequence (3 steps on the same batch), within 1e-4 relative.
import { describe, it, expect } from 'vitest';
import { Network, type OptimizerOptions } from '../src/index.js';
import { FIXTURES, expectClose, type Fixture } from './reference/fixtures.js';

const TOL = 1e-4;

describe('the fixture comparison itself', () => {
  it('fails a 1% error in one gradient of seed 000 (whose gradients peak near 0.01)', () => {
    const f = FIXTURES.find((x) => x.name.includes('seed000'))!;
    const g = f.gradWeights[0];
    const peak = Math.max(...g.map(Math.abs));
    expect(peak).toBeLessThan(0.05);
    const i = g.findIndex((v) => Math.abs(v) === peak);
    expect(() => expectClose(g, g, TOL, 'same')).not.toThrow();
    const wrong = g.map((v, k) => (k === i ? v * 1.01 : v));
    expect(() => expectClose(wrong, g, TOL, 'wrong')).toThrow(/wrong\[/);
  });
});

async function build(f: Fixture, backend: 'wasm' | 'js', optimizer: OptimizerOptions = { kind: 'sgd', learningRate: 0.1 }) {
  const net = await Network.create({ inputSize: f.inputSize, layers: f.layers, loss: f.loss, optimizer, backend });
  net.setWeights({ weights: f.weights.map((w) => Float32Array.from(w)), biases: f.biases.map((b) => Float32Array.from(b)) });
  return net;
}

for (const backend of ['wasm', 'js'] as const) {
  describe(`PyTorch fixtures (${backend})`, () => {
    for (const f of FIXTURES) {
      it(`${f.name}: predict, loss, gradients`, async () => {
        const net = await build(f, backend);
        const x = Float32Array.from(f.x);
        const y = Float32Array.from(f.y);
        expectClose(net.predict(x), f.output, TOL, `${f.name} output`);
        expectClose([net.evaluate(x, y).loss], [f.lossValue], TOL, `${f.name} evaluate loss`);
        const g = net.gradients(x, y);
        expectClose([g.loss], [f.lossValue], TOL, `${f.name} gradients loss`);
        f.layers.forEach((_, l) => {
          expectClose(g.weights[l], f.gradWeights[l], TOL, `${f.name} dC/dW[${l}]`);
          expectClose(g.biases[l], f.gradBiases[l], TOL, `${f.name} dC/db[${l}]`);
        });
        if (f.labels) {
          const gl = net.gradients(x, Int32Array.from(f.labels));
          f.layers.forEach((_, l) => expectClose(gl.weights[l], f.gradWeights[l], TOL, `${f.name} (labels) dC/dW[${l}]`));
          expectClose([net.evaluate(x, f.labels).loss], [f.lossValue], TOL, `${f.name} (labels) loss`);
        }
        net.dispose();
      });
      for (const s of f.steps) {
        it(`${f.name}: ${JSON.stringify(s.optimizer)} x${s.count}`, async () => {
          const net = await build(f, backend, s.optimizer as OptimizerOptions);
          const where = `${f.name} ${JSON.stringify(s.optimizer)}`;
          const h = await net.fit(Float32Array.from(f.x), Float32Array.from(f.y), { epochs: s.count, batchSize: f.batch, shuffle: false });
          expectClose(h.loss, s.losses, TOL, `${where} losses before each step`);
          const w = net.getWeights();
          f.layers.forEach((_, l) => {
            expectClose(w.weights[l], s.weightsAfter[l], TOL, `${where} W[${l}] after`);
            expectClose(w.biases[l], s.biasesAfter[l], TOL, `${where} b[${l}] after`);
          });
          net.dispose();
        });
      }
    }
  });
}
