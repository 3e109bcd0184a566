// The training controls against PyTorch (test/fixtures/training-features.json, made by
// test/fixtures/gen-training.py with Debian's python3-torch): the learning rates of StepLR,
// ExponentialLR, CosineAnnealingLR and ReduceLROnPlateau, networks trained under the first
// three, Adam and SGD with clip_grad_norm_ and weight decay, Adam, RMSprop and SGD with
// momentum with weight decay on the weights only, and class- and sample-weighted
// losses and gradients. Within 1e-4 relative, as the issue asks.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Network, type NetworkOptions } from '../src/index.js';
import { Rates } from '../src/trainer.js';
import type { Schedule } from '../src/config.js';

const F = JSON.parse(readFileSync(new URL('./fixtures/training-features.json', import.meta.url), 'utf8'));

const ALL = ['wasm', 'js'] as const;
const BOTH = ALL;

interface Net {
  inputSize: number;
  layers: { units: number; activation: string }[];
  loss: string;
  weights: number[][];
  biases: number[][];
  x: number[];
  y: number[];
}

async function build(fixture: Net, backend: 'wasm' | 'js', optimizer: Record<string, unknown>): Promise<Network> {
  const net = await Network.create({
    inputSize: fixture.inputSize,
    layers: fixture.layers,
    loss: fixture.loss,
    optimizer,
    backend,
  } as unknown as NetworkOptions);
  net.setWeights({ weights: fixture.weights.map((w) => Float32Array.from(w)), biases: fixture.biases.map((b) => Float32Array.from(b)) });
  return net;
}

function rows(flat: number[], cols: number): number[][] {
  return Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
}

/** Every value within tol relative to the largest magnitude of its tensor. */
function expectTensors(actual: Float32Array[], expected: number[][], tol: number, what: string): void {
  expected.forEach((e, l) => {
    const scale = Math.max(...e.map(Math.abs));
    const worst = Math.max(...e.map((v, i) => Math.abs(actual[l][i] - v)));
    expect(worst / scale, `${what}[${l}]`).toBeLessThan(tol);
  });
}

describe('schedules against torch.optim.lr_scheduler', () => {
  it('the rate of each of 12 epochs: StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau', () => {
    const r = F.schedules.rates;
    for (const name of ['step', 'exponential', 'cosine']) {
      const rates = new Rates(F.schedules.baseLearningRate, r[name].schedule as Schedule);
      const ours = r[name].learningRates.map((_: number, e: number) => rates.next(e, undefined));
      ours.forEach((lr: number, e: number) => expect(Math.abs(lr - r[name].learningRates[e]) / r[name].learningRates[e], `${name} epoch ${e}`).toBeLessThan(1e-12));
    }
    const p = r.plateau;
    const rates = new Rates(F.schedules.baseLearningRate, { monitor: 'loss', ...p.schedule } as Schedule);
    expect(p.metrics.map((_: number, e: number) => rates.next(e, p.metrics[e - 1]))).toEqual(p.learningRates);
  });

  for (const backend of BOTH) {
    it(`networks trained 6 epochs under each schedule (SGD momentum 0.9) end with torch's weights (${backend})`, async () => {
      const t = F.schedules.training;
      for (const run of t.runs) {
        const net = await build(t, backend, run.optimizer);
        const h = await net.fit(rows(t.x, t.inputSize), rows(t.y, t.layers[t.layers.length - 1].units), {
          epochs: t.epochs, batchSize: t.batchSize, shuffle: false, schedule: run.schedule,
        });
        h.learningRate.forEach((lr, e) => expect(Math.abs(lr - run.learningRates[e]) / run.learningRates[e]).toBeLessThan(1e-12));
        h.loss.forEach((loss, e) => expect(Math.abs(loss - run.losses[e]) / run.losses[e], `${run.name} loss ${e}`).toBeLessThan(1e-4));
        const w = net.getWeights();
        expectTensors(w.weights, run.weightsAfter, 1e-4, `${run.name} weights`);
        expectTensors(w.biases, run.biasesAfter, 1e-4, `${run.name} biases`);
        net.dispose();
      }
    });
  }
});

for (const backend of ALL) {
  describe(`clipNorm against torch.nn.utils.clip_grad_norm_ (${backend})`, () => {
    it('Adam with weight decay and SGD, five clipped steps each', async () => {
      const c = F.clipNorm;
      for (const k of c.cases) {
        const net = await build(c, backend, k.optimizer);
        for (let s = 0; s < k.steps; s++) {
          const h = await net.fit(rows(c.x, c.inputSize), c.labels, { epochs: 1, batchSize: c.batch, shuffle: false });
          expect(Math.abs(h.loss[0] - k.losses[s]) / k.losses[s], `${k.name} loss ${s}`).toBeLessThan(1e-4);
          const w = net.getWeights();
          expectTensors(w.weights, k.weightsAfterStep[s], 1e-4, `${k.name} step ${s} weights`);
          expectTensors(w.biases, k.biasesAfterStep[s], 1e-4, `${k.name} step ${s} biases`);
        }
        net.dispose();
      }
    });
  });

  describe(`weight decay (weights only) with each optimizer against torch (${backend})`, () => {
    it('Adam, RMSprop and SGD with momentum, five steps each', async () => {
      const d = F.weightDecay;
      for (const k of d.cases) {
        const net = await build(d, backend, k.optimizer);
        for (let s = 0; s < k.steps; s++) {
          const h = await net.fit(rows(d.x, d.inputSize), d.labels, { epochs: 1, batchSize: d.batch, shuffle: false });
          expect(Math.abs(h.loss[0] - k.losses[s]) / k.losses[s], `${k.name} loss ${s}`).toBeLessThan(1e-4);
          const w = net.getWeights();
          expectTensors(w.weights, k.weightsAfterStep[s], 1e-4, `${k.name} step ${s} weights`);
          expectTensors(w.biases, k.biasesAfterStep[s], 1e-4, `${k.name} step ${s} biases`);
        }
        net.dispose();
      }
    });
  });

  describe(`class and sample weights against torch (${backend})`, () => {
    it('the weighted loss and one SGD step\'s gradients (float64 reference)', async () => {
      for (const [key, fit] of [
        ['classWeight', (f: { classWeight: Record<string, number> }) => ({ classWeight: f.classWeight })],
        ['sampleWeight', (f: { sampleWeight: number[] }) => ({ sampleWeight: f.sampleWeight })],
      ] as const) {
        const f = F[key];
        const net = await build(f, backend, { kind: 'sgd', learningRate: 1 });
        const before = net.getWeights();
        const y = key === 'classWeight' ? f.labels : rows(f.y, f.layers[f.layers.length - 1].units);
        const h = await net.fit(rows(f.x, f.inputSize), y, { epochs: 1, batchSize: f.batch, shuffle: false, ...fit(f) });
        expect(Math.abs(h.loss[0] - f.float64.lossValue) / f.float64.lossValue, `${key} loss`).toBeLessThan(1e-5);
        const after = net.getWeights();
        const step = (b: Float32Array[], a: Float32Array[]) => b.map((t, l) => t.map((v, i) => v - a[l][i]));
        expectTensors(step(before.weights, after.weights), f.float64.gradWeights, 1e-4, `${key} dC/dW`);
        expectTensors(step(before.biases, after.biases), f.float64.gradBiases, 1e-4, `${key} dC/db`);
        net.dispose();
      }
    });
  });
}
