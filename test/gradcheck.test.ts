// Gradients three ways on random architectures: the oracle's analytic backprop against central
// differences in float64, and each backend's float32 gradients() against the oracle.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Network } from '../src/index.js';
import { batchGradients, batchLoss, type Act, type LossName, type Model, type Params } from './reference/oracle.js';

const HIDDEN: Act[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'];

interface Case {
  model: Model;
  params: Params;
  xs: number[][];
  ys: number[][];
}

/** A random network, parameters, batch and valid targets for its loss. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 9 }),
    hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 9 }), activation: fc.constantFrom(...HIDDEN) }), { maxLength: 3 }),
    outUnits: fc.integer({ min: 1, max: 6 }),
    head: fc.constantFrom<[Act, LossName]>(
      ['sigmoid', 'mse'], ['tanh', 'mse'], ['linear', 'mse'], ['softplus', 'mse'], ['elu', 'mse'],
      ['sigmoid', 'binary-cross-entropy'], ['softmax', 'categorical-cross-entropy'], ['softmax', 'mse'],
    ),
    batch: fc.integer({ min: 1, max: 7 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ inputSize, hidden, outUnits, head, batch, seed }) => {
    const layers = [...hidden, { units: head[0] === 'softmax' ? Math.max(2, outUnits) : outUnits, activation: head[0] }];
    const model: Model = { inputSize, layers, loss: head[1] };
    let s = seed;
    const rnd = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32) * 2 - 1; // [-1, 1)
    // Parameters and inputs are float32 values, so both backends see exactly the oracle's numbers.
    const f = (v: number) => Math.fround(v);
    let prev = inputSize;
    const params: Params = { weights: [], biases: [] };
    for (const l of layers) {
      params.weights.push(Array.from({ length: l.units * prev }, () => f(rnd() / Math.sqrt(prev))));
      params.biases.push(Array.from({ length: l.units }, () => f(0.1 * rnd())));
      prev = l.units;
    }
    const xs = Array.from({ length: batch }, () => Array.from({ length: inputSize }, () => f(rnd())));
    const out = layers[layers.length - 1].units;
    const ys = xs.map(() => {
      if (model.loss === 'categorical-cross-entropy') {
        const y = new Array<number>(out).fill(0);
        y[Math.floor(((rnd() + 1) / 2) * out) % out] = 1;
        return y;
      }
      if (model.loss === 'binary-cross-entropy') return Array.from({ length: out }, () => (rnd() > 0 ? 1 : 0));
      return Array.from({ length: out }, () => f(rnd()));
    });
    return { model, params, xs, ys };
  });

/** Relu-family kinks make a central difference meaningless when some |z| is tiny: skip those cases. */
function nearKink(c: Case): boolean {
  const kinked = c.model.layers.some((l) => l.activation === 'relu' || l.activation === 'leaky-relu' || l.activation === 'elu');
  if (!kinked) return false;
  for (const x of c.xs) {
    let a = x;
    for (let l = 0; l < c.model.layers.length; l++) {
      const layer = c.model.layers[l];
      const z = Array.from({ length: layer.units }, (_, o) => c.params.biases[l][o] + a.reduce((s, v, i) => s + c.params.weights[l][o * a.length + i] * v, 0));
      if (z.some((v) => Math.abs(v) < 1e-3)) return true;
      a = z.map((v) => (layer.activation === 'relu' ? Math.max(v, 0) : layer.activation === 'leaky-relu' ? (v > 0 ? v : 0.01 * v) : layer.activation === 'elu' ? (v > 0 ? v : Math.exp(v) - 1) : v));
      if (!['relu', 'leaky-relu', 'elu', 'linear'].includes(layer.activation)) return false; // later layers' kinks do not matter for this cheap check
    }
  }
  return false;
}

describe('oracle backprop vs central differences (float64)', () => {
  it('matches on random architectures, activations and losses', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        fc.pre(!nearKink(c));
        const { grads } = batchGradients(c.model, c.params, c.xs, c.ys);
        const h = 1e-6;
        for (const part of ['weights', 'biases'] as const) {
          c.params[part].forEach((arr, l) => {
            for (let i = 0; i < arr.length; i++) {
              const keep = arr[i];
              arr[i] = keep + h;
              const up = batchLoss(c.model, c.params, c.xs, c.ys);
              arr[i] = keep - h;
              const down = batchLoss(c.model, c.params, c.xs, c.ys);
              arr[i] = keep;
              const numeric = (up - down) / (2 * h);
              const analytic = grads[part][l][i];
              if (Math.abs(numeric - analytic) > 1e-6 * Math.max(1, Math.abs(numeric))) {
                throw new Error(`${part}[${l}][${i}] of ${JSON.stringify(c.model)}: analytic ${analytic}, central difference ${numeric}`);
              }
            }
          });
        }
      }),
      { numRuns: 150, seed: 20261124 },
    );
  });
});

for (const backend of ['wasm', 'js'] as const) {
  describe(`gradients() vs the oracle (${backend})`, () => {
    it('agrees to float32 precision on random architectures', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const net = await Network.create({ inputSize: c.model.inputSize, layers: c.model.layers, loss: c.model.loss, backend });
          net.setWeights({ weights: c.params.weights.map((w) => Float32Array.from(w)), biases: c.params.biases.map((b) => Float32Array.from(b)) });
          const got = net.gradients(c.xs, c.ys);
          net.dispose();
          const want = batchGradients(c.model, c.params, c.xs, c.ys);
          expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want.loss)));
          for (const part of ['weights', 'biases'] as const) {
            want.grads[part].forEach((arr, l) => {
              arr.forEach((v, i) => {
                const g = got[part][l][i];
                if (!(Math.abs(g - v) <= 2e-4 * Math.max(1, Math.abs(v)))) {
                  throw new Error(`${backend} ${part}[${l}][${i}] of ${JSON.stringify(c.model)}, batch ${c.xs.length}: got ${g}, oracle ${v}`);
                }
              });
            });
          }
        }),
        { numRuns: 120, seed: 424242 },
      );
    });
  });
}

// Guard against a vacuous property: the generated cases cover every head and depth.
it('the generator covers every output head', () => {
  const heads = new Set<string>();
  fc.sample(caseArb, { numRuns: 300, seed: 1 }).forEach((c) => heads.add(`${c.model.layers.at(-1)!.activation}/${c.model.loss}`));
  expect(heads.size).toBe(8);
});
