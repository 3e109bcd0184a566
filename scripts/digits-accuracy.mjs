#!/usr/bin/env node
// The learning run of test/mnist.test.ts, outside vitest, for measuring planted bugs
// (npm run mutate:core -- --learning): trains the built package (dist/ + build/) on the
// bundled digits with the test's fixed seed and epochs and prints the held-out accuracy as JSON.
// Usage: node scripts/digits-accuracy.mjs [--backend wasm|js] [--optimizer sgd|adam] [--lr x] [--epochs n]
import { parseArgs } from 'node:util';
import { Network } from '../dist/node.js';
import { loadMnist } from '../bench/mnist.js';
import { DIGITS_RUN } from '../test/digits-run.mjs';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, optimizer: { type: 'string' }, lr: { type: 'string' }, epochs: { type: 'string' } } });
const data = loadMnist();
const run = structuredClone(DIGITS_RUN);
if (values.optimizer) run.options.optimizer.kind = values.optimizer;
if (values.lr) run.options.optimizer.learningRate = Number(values.lr);
if (values.epochs) run.fit.epochs = Number(values.epochs);
const net = await Network.create({ ...run.options, backend: values.backend });
const t0 = performance.now();
const history = await net.fit(data.xTrain, data.yTrain, run.fit);
const accuracy = net.evaluate(data.xTest, data.yTest).accuracy;
console.log(JSON.stringify({ accuracy, loss: history.loss.map((l) => +l.toFixed(5)), ms: Math.round(performance.now() - t0), run }));
net.dispose();
