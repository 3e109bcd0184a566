// Training controls on the one training road (src/trainer.ts), on both backends: early
// stopping (Keras semantics), learning-rate schedules (torch.optim.lr_scheduler semantics,
// checked against PyTorch's rates), and that a feature gives the same bits whether epochs run
// as whole core calls, one epoch per call or one batch per call.
import { describe, it, expect } from 'vitest';
import { Network, WasmMlpError, type NetworkOptions } from '../src/index.js';
import { Rates } from '../src/trainer.js';

const BACKENDS = ['wasm', 'js'] as const;

function blobs(n: number, seed = 12345): { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (j === c ? 1 : 0) + 1.5 * rnd();
  }
  return { x, labels };
}

const classifier = (backend: 'wasm' | 'js', extra: Partial<NetworkOptions> = {}): NetworkOptions => ({
  inputSize: 4,
  layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }],
  loss: 'categorical-cross-entropy',
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  seed: 7,
  backend,
  ...extra,
});

const bits = (w: { weights: Float32Array[]; biases: Float32Array[] }): number[] =>
  [...w.weights, ...w.biases].flatMap((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));

function expectInvalid(fn: () => unknown, pattern: RegExp): Promise<void> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error(`expected INVALID_OPTION matching ${pattern}`);
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(WasmMlpError);
        expect((e as WasmMlpError).code).toBe('INVALID_OPTION');
        expect((e as WasmMlpError).message).toMatch(pattern);
      },
    );
}

for (const backend of BACKENDS) {
  describe(`early stopping (${backend})`, () => {
    it('stops `patience` epochs after the best one, and restoreBestWeights ends on that epoch\'s weights', async () => {
      const { x, labels } = blobs(90);
      const v = blobs(45, 999);
      const net = await Network.create(classifier(backend));
      // Five sane epochs, then a rate far too large: the validation loss climbs.
      const history = await net.fit(x, labels, {
        epochs: 40,
        batchSize: 15,
        validationData: [v.x, v.labels],
        schedule: (epoch) => (epoch < 5 ? 0.05 : 3),
        earlyStopping: { patience: 2, restoreBestWeights: true },
      });
      expect(history.stopReason).toBe('early-stopping');
      const best = history.bestEpoch!;
      const valLoss = history.valLoss!;
      expect(best).toBe(valLoss.indexOf(Math.min(...valLoss)));
      expect(best).toBeLessThan(6);
      expect(valLoss).toHaveLength(best + 3); // the best epoch, then `patience` more, then the stop
      for (let e = best + 1; e < valLoss.length; e++) expect(valLoss[e]).toBeGreaterThanOrEqual(valLoss[best]);
      // The network holds the best epoch's weights: evaluating gives that epoch's loss exactly.
      expect(net.evaluate(v.x, v.labels).loss).toBe(valLoss[best]);
      expect(history.learningRate.slice(0, 6)).toEqual([0.05, 0.05, 0.05, 0.05, 0.05, 3]);
      net.dispose();
    });

    it('monitors training loss without validation, with minDelta, and keeps the last weights without restoreBestWeights', async () => {
      const { x, labels } = blobs(60);
      // A rate of 0 from epoch 3 on: the loss stops changing, which is no improvement (an
      // equal value does not count, with minDelta 0 as with more).
      for (const minDelta of [undefined, 1e-9]) {
        const net = await Network.create(classifier(backend));
        const history = await net.fit(x, labels, {
          epochs: 50, batchSize: 60, shuffle: false,
          schedule: (epoch) => (epoch < 3 ? 0.05 : 0),
          earlyStopping: { monitor: 'loss', patience: 3, minDelta },
        });
        expect(history.stopReason).toBe('early-stopping');
        expect(history.bestEpoch).toBe(3); // epoch 3 still sees epoch 2's update
        expect(history.loss).toHaveLength(3 + 3 + 1);
        expect(history.loss[6]).toBe(history.loss[3]);
        const after = net.evaluate(x, labels).loss;
        expect(after).toBe(history.loss[history.loss.length - 1]); // not restored: the current weights
        net.dispose();
      }
    });

    it('monitors accuracy in max mode', async () => {
      const { x, labels } = blobs(60);
      const net = await Network.create(classifier(backend));
      const history = await net.fit(x, labels, { epochs: 200, batchSize: 20, earlyStopping: { monitor: 'accuracy', patience: 4 } });
      expect(history.stopReason).toBe('early-stopping');
      const acc = history.accuracy!;
      expect(acc[history.bestEpoch!]).toBe(Math.max(...acc.slice(0, history.bestEpoch! + 1)));
      expect(acc.length).toBe(history.bestEpoch! + 5);
      for (let e = history.bestEpoch! + 1; e < acc.length; e++) expect(acc[e]).toBeLessThanOrEqual(acc[history.bestEpoch!]);
      net.dispose();
    });
  });

  describe(`schedules (${backend})`, () => {
    // torch.optim.lr_scheduler on SGD(lr = 0.1): the rate of each of 12 epochs (epoch e: after e
    // calls of step()), computed by PyTorch 2 (float64). StepLR(3, 0.5), ExponentialLR(0.9),
    // CosineAnnealingLR(T_max 7, eta_min 0.001) (its recursive form, past T_max too).
    const torch = {
      step: [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125],
      exponential: Array.from({ length: 12 }, (_, e) => 0.1 * 0.9 ** e),
    };

    it('step and exponential give torch\'s rates, and the network ends with its own rate', async () => {
      const { x, labels } = blobs(30);
      for (const [schedule, expected] of [
        [{ kind: 'step', stepSize: 3, gamma: 0.5 }, torch.step],
        [{ kind: 'exponential', gamma: 0.9 }, torch.exponential],
      ] as const) {
        const net = await Network.create(classifier(backend, { optimizer: { kind: 'sgd', learningRate: 0.1 } }));
        const h = await net.fit(x, labels, { epochs: 12, batchSize: 30, schedule });
        h.learningRate.forEach((lr, e) => expect(lr).toBeCloseTo(expected[e], 15));
        expect(net.optimizer.learningRate).toBe(0.1);
        net.dispose();
      }
    });

    it('a schedule trains each epoch with its rate: the same bits as fits of one epoch at that rate [consistency only]', async () => {
      const { x, labels } = blobs(30);
      const scheduled = await Network.create(classifier(backend));
      await scheduled.fit(x, labels, { epochs: 3, batchSize: 10, schedule: (e) => [0.2, 0.05, 0.01][e] });
      // The rate is read by every step, and the optimizer's momentum carries over between fits
      // only within one network; so rebuild the same run as one fit whose function gives the
      // same rates, but through one batch per call (onBatchEnd).
      const batched = await Network.create(classifier(backend));
      await batched.fit(x, labels, { epochs: 3, batchSize: 10, schedule: (e) => [0.2, 0.05, 0.01][e], onBatchEnd: () => {} });
      expect(bits(batched.getWeights())).toEqual(bits(scheduled.getWeights()));
      // And it differs from a constant rate (the schedule was applied).
      const constant = await Network.create(classifier(backend));
      await constant.fit(x, labels, { epochs: 3, batchSize: 10 });
      expect(bits(constant.getWeights())).not.toEqual(bits(scheduled.getWeights()));
      for (const n of [scheduled, batched, constant]) n.dispose();
    });

    it('plateau steps on the monitored value of the epoch before, as ReduceLROnPlateau.step(metric)', async () => {
      // The rule itself, on a metric sequence worked through by hand with torch's defaults
      // (threshold 1e-4 relative, cooldown 0): factor 0.5, patience 1, min 0.01.
      const rates = new Rates(0.1, { kind: 'plateau', monitor: 'loss', factor: 0.5, patience: 1, minLearningRate: 0.01 });
      const metrics = [1, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8];
      const lrs = metrics.map((_, e) => rates.next(e, metrics[e - 1]));
      expect(lrs).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01]);
      // Wired to the fit: the rates a fit used are the rule's on the losses it recorded.
      const { x, labels } = blobs(30);
      const net = await Network.create(classifier(backend, { optimizer: { kind: 'sgd', learningRate: 0.5 } }));
      // Accuracy (max mode) stalls between epochs on 30 samples, so the rate gets cut.
      const h = await net.fit(x, labels, { epochs: 15, batchSize: 30, schedule: { kind: 'plateau', monitor: 'accuracy', factor: 0.5, patience: 0 } });
      const replay = new Rates(0.5, { kind: 'plateau', monitor: 'accuracy', factor: 0.5, patience: 0, minLearningRate: 0 });
      const acc = h.accuracy!;
      expect(h.learningRate).toEqual(acc.map((_, e) => replay.next(e, acc[e - 1])));
      expect(new Set(h.learningRate).size).toBeGreaterThan(1); // it did cut the rate
      net.dispose();
    });

    it('cosine follows CosineAnnealingLR, and a function schedule sees the previous rate', async () => {
      const { x, labels } = blobs(30);
      const net = await Network.create(classifier(backend, { optimizer: { kind: 'sgd', learningRate: 0.1 } }));
      const h = await net.fit(x, labels, { epochs: 12, batchSize: 30, schedule: { kind: 'cosine', epochs: 7, minLearningRate: 0.001 } });
      // Closed form within T_max; torch's recursive form agrees with it to ~1e-17 there.
      for (let e = 0; e <= 7; e++) expect(h.learningRate[e]).toBeCloseTo(0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 7)) / 2, 14);
      expect(h.learningRate[8]).toBeGreaterThan(h.learningRate[7]); // past T_max it rises again, as torch's does
      const seen: number[] = [];
      await net.fit(x, labels, { epochs: 3, batchSize: 30, schedule: (e, lr) => (seen.push(lr), lr / 2) });
      expect(seen).toEqual([0.1, 0.05, 0.025]);
      net.dispose();
    });
  });

  describe(`training options refused (${backend})`, () => {
    it('names the option and the valid choices; the network stays usable and unchanged', async () => {
      const { x, labels } = blobs(30);
      const net = await Network.create(classifier(backend));
      const before = bits(net.getWeights());
      await expectInvalid(() => net.fit(x, labels, { earlyStopping: { monitor: 'val_loss' as never } }), /earlyStopping\.monitor: expected one of 'loss', 'valLoss', 'accuracy', 'valAccuracy'/);
      await expectInvalid(() => net.fit(x, labels, { earlyStopping: { monitor: 'valLoss' } }), /needs validationData or validationSplit/);
      await expectInvalid(() => net.fit(x, labels, { earlyStopping: { patience: -1 } }), /earlyStopping\.patience: expected an integer >= 0/);
      await expectInvalid(() => net.fit(x, labels, { earlyStopping: { minDelta: -0.1 } }), /earlyStopping\.minDelta/);
      await expectInvalid(() => net.fit(x, labels, { earlyStopping: { patience: 1, wait: 2 } as never }), /earlyStopping.*wait/);
      await expectInvalid(() => net.fit(x, labels, { schedule: { kind: 'linear' } as never }), /schedule\.kind: expected one of 'step', 'exponential', 'cosine', 'plateau'/);
      await expectInvalid(() => net.fit(x, labels, { schedule: { kind: 'step', stepSize: 0, gamma: 0.5 } }), /schedule\.stepSize/);
      await expectInvalid(() => net.fit(x, labels, { schedule: { kind: 'exponential', gamma: 0 } }), /schedule\.gamma/);
      await expectInvalid(() => net.fit(x, labels, { schedule: { kind: 'plateau', factor: 1, patience: 1, minLearningRate: 0, monitor: 'loss' } }), /schedule\.factor/);
      expect(bits(net.getWeights())).toEqual(before);
      // A function that returns NaN or a negative rate: INVALID_OPTION at that epoch, with the
      // weights of the last completed epoch.
      const h = await net.fit(x, labels, { epochs: 2, batchSize: 30 });
      const good = bits(net.getWeights());
      for (const bad of [NaN, -0.1, 'fast']) {
        let seen = -1;
        await expectInvalid(() => net.fit(x, labels, { epochs: 5, batchSize: 30, onEpochEnd: (s) => void (seen = s.epoch), schedule: (e) => (e < 2 ? 0.01 : (bad as number)) }), /returned .* for epoch 2/);
        expect(seen).toBe(1);
        // Two epochs were trained before the bad rate; then the next fit starts from them.
        expect(bits(net.getWeights())).not.toEqual(good);
      }
      expect(h.loss).toHaveLength(2);
      expect(net.optimizer.learningRate).toBe(0.05);
      await net.fit(x, labels, { epochs: 1 }); // still usable
      net.dispose();
    });
  });
}

for (const backend of BACKENDS) {
  describe(`summary, getters and checkGradients (${backend})`, () => {
    it('summary() lists each layer with its parameters and the totals', async () => {
      const dropout = 0.25;
      const net = await Network.create({ inputSize: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu', dropout }, { units: 10, activation: 'softmax' }], backend });
      const text = net.summary();
      expect(text).toMatch(/dense_1 +256 +relu +\(batch, 256\) +200,960/);
      if (dropout) expect(text).toMatch(/dense_2 +128 +relu +0\.25 +\(batch, 128\) +32,896/);
      if (!dropout) expect(text).toMatch(/dense_2 +128 +relu +\(batch, 128\) +32,896/);
      expect(text).toMatch(/dense_3 \(output\) +10 +softmax +\(batch, 10\) +1,290/);
      expect(text).toContain('Total parameters: 235,146');
      expect(text).toContain(`Backend: ${backend}, 1 thread; wasm memory held: ${net.memoryBytes.toLocaleString('en-US')} bytes`);
      expect(net.parameterCount).toBe(235_146);
      expect([net.inputSize, net.outputSize, net.layers.length, net.loss]).toEqual([784, 10, 3, 'categorical-cross-entropy']);
      net.dispose();
    });

    it('checkGradients agrees with central differences, and points at a gradient that is wrong', async () => {
      const x = [[0.1, 0.2, -0.3], [1, -1, 0.5], [0.3, 0.3, 0.3], [-0.7, 0.1, 0.9]];
      for (const [options, y] of [
        [{ layers: [{ units: 5, activation: 'tanh' }, { units: 4, activation: 'elu' }, { units: 3, activation: 'softmax' }] }, [0, 1, 2, 1]],
        [{ layers: [{ units: 6, activation: 'softplus' }, { units: 2, activation: 'sigmoid' }], loss: 'binary-cross-entropy' }, [[0, 1], [1, 1], [0, 0], [1, 0]]],
        [{ layers: [{ units: 6, activation: 'leaky-relu' }, { units: 2, activation: 'linear' }], loss: 'mse' }, [[0.5, -1], [1, 2], [0, 0], [-1, 0.3]]],
      ] as const) {
        const net = await Network.create({ inputSize: 3, seed: 3, backend, ...(options as object) } as NetworkOptions);
        const ok = net.checkGradients(x, y as never);
        expect(ok.maxRelativeError).toBeLessThan(1e-3);
        expect(ok.maxAbsoluteError).toBeLessThan(1e-5);
        // A planted error in one bias gradient of the last layer.
        const engine = (net as unknown as { engine: { gradients: (...a: unknown[]) => number } }).engine;
        const real = engine.gradients.bind(engine);
        const L = net.layers.length;
        const biasIndex = net.parameterCount - net.outputSize + 1;
        engine.gradients = (...a: unknown[]) => {
          const r = real(...a);
          (a[3] as Float32Array)[biasIndex] += 0.01;
          return r;
        };
        const bad = net.checkGradients(x, y as never);
        expect(bad.worst).toEqual({ layer: L - 1, kind: 'bias', index: 1 });
        expect(bad.maxAbsoluteError).toBeCloseTo(0.01, 4);
        net.dispose();
      }
      const net = await Network.create({ inputSize: 3, layers: [{ units: 2 }], backend });
      await expectInvalid(() => net.checkGradients(x, [[0, 1], [1, 1], [0, 0], [1, 0]], { epsilon: 0 }), /checkGradients options\.epsilon/);
    });
  });
}
