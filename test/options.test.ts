// Every option and data check, with the exact message it must give: each names the argument,
// what was expected and what came (the library's promise for bad input), and each bound is
// tried on both sides. Found necessary by mutation testing (npm run mutate): the checks were
// exercised, but a dropped check that failed later for another reason, a moved bound or a
// message naming the wrong thing went unnoticed.
import { describe, it, expect } from 'vitest';
import {
  MAX_THREADS, layerOptions, optimizerOptions, resolveFit, resolveModel, resolveOptimizer, resolveOptions, resolveThreads,
} from '../src/config.js';
import { batchRows, toMatrix, toTargets, checkFinite } from '../src/data.js';
import { WasmMlpError } from '../src/errors.js';

function error(fn: () => unknown): WasmMlpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WasmMlpError) return e;
    throw e;
  }
  throw new Error('expected a WasmMlpError, but it passed');
}

const base = { inputSize: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }] };

describe('Network.create options', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 5, /^options: expected an object \{ inputSize, layers, \.\.\. \}, got 5$/],
    ['an array', [base], /^options: expected an object/],
    ['a typed array', new Float32Array(2), /^options: expected an object/],
    ['unknown key', { ...base, learningRate: 1 }, /^options: unknown option 'learningRate'; valid options are 'inputSize', 'layers', 'loss', 'optimizer', 'seed', 'backend', 'init', 'threads', 'normalization', 'metadata'$/],
    ['inputSize 0', { ...base, inputSize: 0 }, /^inputSize: expected an integer in \[1, \d+\], got 0$/],
    ['inputSize 2.5', { ...base, inputSize: 2.5 }, /^inputSize: expected an integer in \[1, \d+\], got 2\.5$/],
    ['no layers', { ...base, layers: [] }, /^layers: expected a non-empty array of \{ units, activation \}, got an array of length 0$/],
    ['layers not an array', { ...base, layers: 'dense' }, /^layers: expected a non-empty array/],
    ['too many layers', { ...base, layers: Array.from({ length: 1025 }, () => ({ units: 1 })) }, /^layers: expected at most 1024 layers, got an array of length 1025$/],
    ['layer not an object', { ...base, layers: [4, { units: 2 }] }, /^layers\[0\]: expected an object \{ units, activation \}, got 4$/],
    ['layer unknown key', { ...base, layers: [{ units: 4, size: 3 }, { units: 2 }] }, /^layers\[0\]: unknown option 'size'; valid options are 'units', 'activation', 'alpha', 'dropout'$/],
    ['units 0', { ...base, layers: [{ units: 4 }, { units: 0 }] }, /^layers\[1\]\.units: expected an integer in \[1, \d+\], got 0$/],
    ['bad activation', { ...base, layers: [{ units: 4, activation: 'swish' }, { units: 2 }] }, /^layers\[0\]\.activation: expected one of 'linear', 'sigmoid', .*got the string "swish"$/],
    ['1-unit softmax', { ...base, layers: [{ units: 4 }, { units: 1, activation: 'softmax' }] },
      /^layers\[1\]\.activation: a 'softmax' over 1 unit always outputs 1; for one output use 'sigmoid' \(binary classification\) or 'linear' \(regression\)$/],
    ['normalization not an object', { ...base, normalization: [1, 2, 3] }, /^normalization: expected an object \{ mean, std \} with 3 values each, got an array of length 3$/],
    ['normalization unknown key', { ...base, normalization: { mean: [0, 0, 0], std: [1, 1, 1], variance: [1, 1, 1] } }, /^normalization: unknown option 'variance'; valid options are 'mean', 'std'$/],
    ['normalization no std', { ...base, normalization: { mean: [0, 0, 0] } }, /^normalization\.std: expected an array of 3 numbers \(one per input column\), got undefined$/],
    ['normalization short mean', { ...base, normalization: { mean: [0], std: [1, 1, 1] } }, /^normalization\.mean: expected 3 values \(one per input column\), got 1$/],
    ['normalization NaN mean', { ...base, normalization: { mean: [0, 0, NaN], std: [1, 1, 1] } }, /^normalization\.mean\[2\]: expected a finite float32 number, got NaN$/],
    ['normalization huge mean', { ...base, normalization: { mean: [1e39, 0, 0], std: [1, 1, 1] } }, /^normalization\.mean\[0\]: expected a finite float32 number, got 1e\+39$/],
    ['normalization negative std', { ...base, normalization: { mean: [0, 0, 0], std: [1, 1, -1e-9] } }, /^normalization\.std\[2\]: expected a finite float32 number >= 0, got -1e-9$/],
    ['normalization string std', { ...base, normalization: { mean: [0, 0, 0], std: ['1', 1, 1] } }, /^normalization\.std\[0\]: expected a finite float32 number >= 0, got the string "1"$/],
    ['metadata array', { ...base, metadata: ['a'] }, /^metadata: expected a plain object of JSON values, got an array of length 1$/],
    ['metadata function', { ...base, metadata: { f: () => 1 } }, /^metadata\.f: expected a JSON value \(string, finite number, boolean, null, array or plain object\), got a function$/],
    ['metadata NaN', { ...base, metadata: { a: [1, NaN] } }, /^metadata\.a\[1\]: expected a JSON value \(a finite number\), got NaN$/],
    ['metadata Date', { ...base, metadata: { when: new Date(0) } }, /^metadata\.when: expected a JSON value .*, got an object \(Date\)$/],
    ['metadata undefined', { ...base, metadata: { a: undefined } }, /^metadata\.a: expected a JSON value .*, got undefined$/],
    ['metadata too big', { ...base, metadata: { a: 'x'.repeat(1 << 19) } }, /^metadata: 524296 bytes of JSON; the maximum is 524288$/],
    ['hidden softmax', { ...base, layers: [{ units: 4, activation: 'softmax' }, { units: 2, activation: 'softmax' }] }, /^layers\[0\]\.activation: 'softmax' is only allowed on the output layer \(layer 1\)$/],
    ['too many parameters', { ...base, inputSize: 100000, layers: [{ units: 2000 }] }, /^layers: the network would have 200002000 parameters, needing 3200032000 bytes for parameters, gradients and optimizer state; the maximum is 134217728 parameters \(2147483648 bytes\)$/],
    ['bad loss', { ...base, loss: 'hinge' }, /^loss: expected one of 'mse', 'binary-cross-entropy', 'categorical-cross-entropy', got the string "hinge"$/],
    ['cce without softmax', { ...base, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'categorical-cross-entropy' }, /^loss: 'categorical-cross-entropy' needs a 'softmax' output layer, got 'sigmoid'/],
    ['bce on linear', { ...base, layers: [{ units: 2 }], loss: 'binary-cross-entropy' }, /^loss: 'binary-cross-entropy' needs outputs in \(0, 1\): a 'sigmoid' \(or 'softmax'\) output layer, got 'linear'$/],
    ['seed -1', { ...base, seed: -1 }, /^seed: expected an integer in \[0, 4294967295\], got -1$/],
    ['seed 2^32', { ...base, seed: 2 ** 32 }, /^seed: expected an integer in \[0, 4294967295\], got 4294967296$/],
    ['bad backend', { ...base, backend: 'gpu' }, /^backend: expected one of 'wasm', 'js', got the string "gpu"$/],
    ['bad init', { ...base, init: 'zeros' }, /^init: expected one of .*got the string "zeros"$/],
    ['threads "2"', { ...base, threads: '2' }, new RegExp(`^threads: expected an integer from 1 to ${MAX_THREADS} or 'auto', got the string "2"$`)],
    ['threads 0', { ...base, threads: 0 }, /^threads: expected an integer in \[1, 16\], got 0$/],
    ['threads 17', { ...base, threads: 17 }, /^threads: expected an integer in \[1, 16\], got 17$/],
    ['threads on js', { ...base, backend: 'js', threads: 2 }, /^threads: the 'js' backend runs on one thread; use backend 'wasm' for threads: 2$/],
  ];
  for (const [name, options, message] of cases) {
    it(name, () => {
      const e = error(() => resolveOptions(options));
      expect(e.message).toMatch(message);
      expect(e.code).toBe(name === 'too many parameters' ? 'OUT_OF_MEMORY' : 'INVALID_OPTION');
    });
  }

  it('accepts the bounds and gives the documented defaults', () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({ seed: 42, backend: 'wasm', init: 'auto', threads: 1 });
    expect(o.spec.loss).toBe('categorical-cross-entropy');
    expect(resolveOptions({ ...base, layers: [{ units: 2 }] }).spec.loss).toBe('mse');
    expect(resolveOptions({ ...base, layers: [{ units: 2 }] }).spec.layers[0].activation).toBe('linear');
    expect(resolveOptions({ ...base, seed: 0 }).seed).toBe(0);
    expect(resolveOptions({ ...base, seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
    expect(resolveOptions({ ...base, threads: 16 }).threads).toBe(16);
    expect(resolveOptions({ ...base, threads: 'auto' }).threads).toBe(0); // AUTO_THREADS: one per core, decided at create
    expect(resolveOptions({ ...base, backend: 'js', threads: 'auto' }).threads).toBe(1);
    expect(resolveOptions({ ...base, backend: 'js', threads: 1 }).threads).toBe(1);
    expect(resolveThreads(undefined, 'wasm', 'threads')).toBe(1);
    // binary cross-entropy takes a sigmoid or a softmax output
    expect(resolveModel(3, [{ units: 1, activation: 'sigmoid' }], 'binary-cross-entropy').loss).toBe('binary-cross-entropy');
    expect(resolveModel(3, [{ units: 2, activation: 'softmax' }], 'binary-cross-entropy').loss).toBe('binary-cross-entropy');
    // exactly at the parameter limit: 2^27 parameters are allowed, one more is not
    // (2^20 inputs, 127 units: (2^20 + 1) * 127 + (127 + 1) * u = 2^27 for the right u is not
    // an integer, so build the count as 2^27 = (2^19 - 1 + 1) * 256 with one layer of 256)
    expect(() => resolveModel(2 ** 19 - 1, [{ units: 256 }], undefined)).not.toThrow();
    expect(error(() => resolveModel(2 ** 19, [{ units: 256 }], undefined)).code).toBe('OUT_OF_MEMORY');
    // 1024 layers are allowed
    expect(resolveModel(1, Array.from({ length: 1024 }, () => ({ units: 1 })), undefined).layers).toHaveLength(1024);
  });
});

describe('optimizer options', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a number', 5, /^optimizer: expected an object like \{ kind: 'adam', learningRate: 0\.001 \} or a kind name, got 5$/],
    ['null', null, /^optimizer: expected an object like/],
    ['unknown key', { kind: 'sgd', lr: 1 }, /^optimizer: unknown option 'lr'; valid options are 'kind', 'learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'rho', 'epsilon', 'weightDecay', 'clipNorm'$/],
    ['bad kind', 'adagrad', /^optimizer\.kind: expected one of 'sgd', 'adam', 'rmsprop', got the string "adagrad"$/],
    ['learningRate 0', { kind: 'sgd', learningRate: 0 }, /^optimizer\.learningRate: expected a finite number in \(0, Infinity\), got 0$/],
    ['learningRate Infinity', { kind: 'sgd', learningRate: Infinity }, /^optimizer\.learningRate: expected a finite number in \(0, Infinity\), got Infinity$/],
    ['momentum 1', { kind: 'sgd', momentum: 1 }, /^optimizer\.momentum: expected a finite number in \[0, 1\), got 1$/],
    ['momentum -0.1', { kind: 'sgd', momentum: -0.1 }, /^optimizer\.momentum: expected a finite number in \[0, 1\), got -0\.1$/],
    ['beta1 1', { kind: 'adam', beta1: 1 }, /^optimizer\.beta1: expected a finite number in \[0, 1\), got 1$/],
    ['beta2 1', { kind: 'adam', beta2: 1 }, /^optimizer\.beta2: expected a finite number in \[0, 1\), got 1$/],
    ['beta2 -1', { kind: 'adam', beta2: -1 }, /^optimizer\.beta2: expected a finite number in \[0, 1\), got -1$/],
    ['rho 1', { kind: 'rmsprop', rho: 1 }, /^optimizer\.rho: expected a finite number in \[0, 1\), got 1$/],
    ['epsilon 0', { kind: 'adam', epsilon: 0 }, /^optimizer\.epsilon: expected a finite number in \(0, Infinity\), got 0$/],
    ['weightDecay -1', { kind: 'adam', weightDecay: -1 }, /^optimizer\.weightDecay: expected a finite number in \[0, Infinity\), got -1$/],
    ['weightDecay NaN', { kind: 'adam', weightDecay: NaN }, /^optimizer\.weightDecay: expected a finite number in \[0, Infinity\), got NaN$/],
    ['clipNorm 0', { kind: 'adam', clipNorm: 0 }, /^optimizer\.clipNorm: expected a finite number in \(0, Infinity\), got 0$/],
    ['nesterov "yes"', { kind: 'sgd', momentum: 0.9, nesterov: 'yes' }, /^optimizer\.nesterov: expected a boolean, got the string "yes"$/],
    ['nesterov without momentum', { kind: 'sgd', nesterov: true }, /^optimizer\.nesterov: Nesterov momentum needs momentum > 0, got momentum 0$/],
    ['momentum on adam', { kind: 'adam', momentum: 0.9 }, /^optimizer\.momentum: not an option of 'adam'; 'adam' takes learningRate, weightDecay, beta1, beta2, epsilon$/],
    ['nesterov on rmsprop', { kind: 'rmsprop', nesterov: false }, /^optimizer\.nesterov: not an option of 'rmsprop'; 'rmsprop' takes learningRate, weightDecay, rho, epsilon$/],
    ['beta1 on sgd', { kind: 'sgd', beta1: 0.9 }, /^optimizer\.beta1: not an option of 'sgd'; 'sgd' takes learningRate, weightDecay, momentum, nesterov$/],
    ['beta2 on rmsprop', { kind: 'rmsprop', beta2: 0.9 }, /^optimizer\.beta2: not an option of 'rmsprop'/],
    ['rho on adam', { kind: 'adam', rho: 0.9 }, /^optimizer\.rho: not an option of 'adam'/],
    ['epsilon on sgd', { kind: 'sgd', epsilon: 1e-7 }, /^optimizer\.epsilon: not an option of 'sgd'/],
  ];
  for (const [name, value, message] of cases) {
    it(name, () => {
      const e = error(() => resolveOptimizer(value));
      expect(e.code).toBe('INVALID_OPTION');
      expect(e.message).toMatch(message);
    });
  }

  it('defaults per kind, bounds that are allowed, and the options that recreate a spec', () => {
    expect(resolveOptimizer(undefined)).toMatchObject({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 });
    expect(resolveOptimizer('sgd')).toMatchObject({ kind: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false });
    expect(resolveOptimizer('rmsprop')).toMatchObject({ kind: 'rmsprop', learningRate: 0.01, rho: 0.99, epsilon: 1e-8 });
    expect(resolveOptimizer({ kind: 'sgd', momentum: 0, weightDecay: 0 }).momentum).toBe(0);
    expect(resolveOptimizer({ kind: 'adam', beta1: 0, beta2: 0 })).toMatchObject({ beta1: 0, beta2: 0 });
    expect(resolveOptimizer({ kind: 'rmsprop', rho: 0 }).rho).toBe(0);
    expect(resolveOptimizer({ kind: 'sgd', momentum: 0.9, nesterov: true }).nesterov).toBe(true);
    expect(resolveOptimizer({ kind: 'sgd', momentum: 0.9, nesterov: false }).nesterov).toBe(false);
    expect(resolveOptimizer({ kind: 'adam' }, 'opts.optimizer').kind).toBe('adam');
    expect(error(() => resolveOptimizer({ kind: 'adam', lr: 1 }, 'opts.optimizer')).message).toMatch(/^opts\.optimizer: unknown option 'lr'/);
    expect(optimizerOptions(resolveOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.01 }))).toEqual({ kind: 'sgd', learningRate: 0.1, weightDecay: 0.01, momentum: 0.5, nesterov: true });
    expect(optimizerOptions(resolveOptimizer({ kind: 'adam', beta1: 0.8, clipNorm: 2 }))).toEqual({ kind: 'adam', learningRate: 0.001, weightDecay: 0, clipNorm: 2, beta1: 0.8, beta2: 0.999, epsilon: 1e-8 });
    expect(optimizerOptions(resolveOptimizer({ kind: 'rmsprop', rho: 0.9 }))).toEqual({ kind: 'rmsprop', learningRate: 0.01, weightDecay: 0, rho: 0.9, epsilon: 1e-8 });
    // alpha -0 is stored as +0 (the sign would show in the bits of elu's outputs)
    expect(Object.is(resolveModel(2, [{ units: 3, activation: 'elu', alpha: -0 }], undefined).layers[0].alpha, 0)).toBe(true);
    expect(layerOptions(resolveModel(2, [{ units: 3, activation: 'elu', alpha: 0.5, dropout: 0.2 }, { units: 1 }], undefined).layers)).toEqual([
      { units: 3, activation: 'elu', alpha: 0.5, dropout: 0.2 }, { units: 1, activation: 'linear' },
    ]);
  });
});

describe('fit options', () => {
  const cases: [string, unknown, RegExp, boolean?][] = [
    ['not an object', 3, /^fitOptions: expected an object \{ epochs, batchSize, \.\.\. \}, got 3$/],
    ['unknown key', { epoch: 3 }, /^fitOptions: unknown option 'epoch'; valid options are 'epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'onEpochEnd', 'onBatchEnd', 'signal', 'earlyStopping', 'schedule', 'classWeight', 'sampleWeight'$/],
    ['epochs 0', { epochs: 0 }, /^fitOptions\.epochs: expected an integer in \[1, 1000000000\], got 0$/],
    ['batchSize 0', { batchSize: 0 }, /^fitOptions\.batchSize: expected an integer in \[1, 16777216\], got 0$/],
    ['shuffle 1', { shuffle: 1 }, /^fitOptions\.shuffle: expected a boolean, got 1$/],
    ['validationSplit 0', { validationSplit: 0 }, /^fitOptions\.validationSplit: expected a finite number in \(0, 1\), got 0$/],
    ['validationSplit 1', { validationSplit: 1 }, /^fitOptions\.validationSplit: expected a finite number in \(0, 1\), got 1$/],
    ['validationData one item', { validationData: [[1]] }, /^fitOptions\.validationData: expected a pair \[x, y\], got an array of length 1$/],
    ['validationData an object', { validationData: { x: 1 } }, /^fitOptions\.validationData: expected a pair \[x, y\]/],
    ['both validations', { validationData: [[], []], validationSplit: 0.2 }, /^fitOptions: give validationData or validationSplit, not both$/],
    ['onEpochEnd not a function', { onEpochEnd: true }, /^fitOptions\.onEpochEnd: expected a function, got true$/],
    ['onBatchEnd not a function', { onBatchEnd: 'log' }, /^fitOptions\.onBatchEnd: expected a function, got the string "log"$/],
    ['signal not a signal', { signal: {} }, /^fitOptions\.signal: expected an AbortSignal, got an object/],
    ['signal null', { signal: null }, /^fitOptions\.signal: expected an AbortSignal, got null$/],
    ['signal a string', { signal: 'stop' }, /^fitOptions\.signal: expected an AbortSignal, got the string "stop"$/],
    ['earlyStopping true', { earlyStopping: true }, /^fitOptions\.earlyStopping: expected an object \{ monitor, patience, minDelta, restoreBestWeights \}, got true$/],
    ['earlyStopping unknown key', { earlyStopping: { wait: 2 } }, /^fitOptions\.earlyStopping: unknown option 'wait'/],
    ['restoreBestWeights 1', { earlyStopping: { restoreBestWeights: 1 } }, /^fitOptions\.earlyStopping\.restoreBestWeights: expected a boolean, got 1$/],
    ['valLoss without validation', { earlyStopping: { monitor: 'valLoss' } }, /^fitOptions\.earlyStopping\.monitor: 'valLoss' needs validationData or validationSplit in fitOptions$/],
    ['accuracy for regression', { earlyStopping: { monitor: 'accuracy' } }, /^fitOptions\.earlyStopping\.monitor: 'accuracy' is recorded only for the cross-entropy losses; use 'loss' or 'valLoss'$/, false],
    ['valAccuracy for regression', { validationSplit: 0.2, earlyStopping: { monitor: 'valAccuracy' } }, /'valAccuracy' is recorded only for the cross-entropy losses/, false],
    ['patience -1', { earlyStopping: { patience: -1 } }, /^fitOptions\.earlyStopping\.patience: expected an integer >= 0, got -1$/],
    ['minDelta -1', { earlyStopping: { minDelta: -1 } }, /^fitOptions\.earlyStopping\.minDelta: expected a finite number in \[0, Infinity\], got -1$/],
    ['schedule a string', { schedule: 'cosine' }, /^fitOptions\.schedule: expected an object \{ kind: 'step' \| 'exponential' \| 'cosine' \| 'plateau', \.\.\. \} or a function \(epoch, learningRate\) => rate, got the string "cosine"$/],
    ['schedule bad kind', { schedule: { kind: 'linear' } }, /^fitOptions\.schedule\.kind: expected one of 'step', 'exponential', 'cosine', 'plateau'/],
    ['step without stepSize', { schedule: { kind: 'step' } }, /^fitOptions\.schedule\.stepSize: expected an integer >= 1, got undefined$/],
    ['step gamma 0', { schedule: { kind: 'step', stepSize: 2, gamma: 0 } }, /^fitOptions\.schedule\.gamma: expected a finite number in \(0, Infinity\], got 0$/],
    ['step unknown key', { schedule: { kind: 'step', stepSize: 2, factor: 0.5 } }, /^fitOptions\.schedule: unknown option 'factor'/],
    ['exponential without gamma', { schedule: { kind: 'exponential' } }, /^fitOptions\.schedule\.gamma: expected a finite number in \(0, Infinity\], got undefined$/],
    ['cosine epochs 0', { schedule: { kind: 'cosine', epochs: 0 } }, /^fitOptions\.schedule\.epochs: expected an integer >= 1, got 0$/],
    ['cosine minLearningRate -1', { schedule: { kind: 'cosine', epochs: 3, minLearningRate: -1 } }, /^fitOptions\.schedule\.minLearningRate: expected a finite number in \[0, Infinity\], got -1$/],
    ['plateau factor 1', { schedule: { kind: 'plateau', factor: 1 } }, /^fitOptions\.schedule\.factor: expected a finite number in \(0, 1\), got 1$/],
    ['plateau factor 0', { schedule: { kind: 'plateau', factor: 0 } }, /^fitOptions\.schedule\.factor: expected a finite number in \(0, 1\), got 0$/],
    ['plateau patience -1', { schedule: { kind: 'plateau', patience: -1 } }, /^fitOptions\.schedule\.patience: expected an integer >= 0, got -1$/],
    ['plateau minLearningRate -1', { schedule: { kind: 'plateau', minLearningRate: -1 } }, /^fitOptions\.schedule\.minLearningRate: expected a finite number in \[0, Infinity\], got -1$/],
    ['plateau valLoss without validation', { schedule: { kind: 'plateau', monitor: 'valLoss' } }, /^fitOptions\.schedule\.monitor: 'valLoss' needs validationData/],
    ['plateau accuracy for regression', { schedule: { kind: 'plateau', monitor: 'accuracy' } }, /^fitOptions\.schedule\.monitor: 'accuracy' is recorded only/, false],
    ['classWeight an array', { classWeight: [1, 2] }, /^fitOptions\.classWeight: expected an object \{ \[label\]: weight \}, got an array of length 2$/],
    ['sampleWeight a number', { sampleWeight: 1 }, /^fitOptions\.sampleWeight: expected an array or typed array with one weight per training sample, got 1$/],
  ];
  for (const [name, value, message, classification] of cases) {
    it(name, () => {
      const e = error(() => resolveFit(value, classification ?? true));
      expect(e.code).toBe('INVALID_OPTION');
      expect(e.message).toMatch(message);
    });
  }

  it('defaults and accepted values', () => {
    expect(resolveFit(undefined)).toMatchObject({ epochs: 1, batchSize: 32, shuffle: true, validationSplit: 0 });
    expect(resolveFit({ shuffle: false }).shuffle).toBe(false);
    expect(resolveFit({ epochs: 1e9, batchSize: 1 << 24 })).toMatchObject({ epochs: 1e9, batchSize: 1 << 24 });
    expect(resolveFit({ validationSplit: 0.5 }).validationSplit).toBe(0.5);
    const signal = new AbortController().signal;
    expect(resolveFit({ signal }).signal).toBe(signal);
    expect(resolveFit({ earlyStopping: {} }).earlyStopping).toEqual({ monitor: 'loss', patience: 0, minDelta: 0, restoreBestWeights: false });
    expect(resolveFit({ validationSplit: 0.2, earlyStopping: { restoreBestWeights: true } }).earlyStopping).toEqual({ monitor: 'valLoss', patience: 0, minDelta: 0, restoreBestWeights: true });
    expect(resolveFit({ validationData: [[], []], earlyStopping: {} }).earlyStopping!.monitor).toBe('valLoss');
    expect(resolveFit({ earlyStopping: { monitor: 'accuracy' } }).earlyStopping!.monitor).toBe('accuracy');
    // a regression (no accuracy recorded) may monitor its loss
    expect(resolveFit({ earlyStopping: { monitor: 'loss' } }, false).earlyStopping!.monitor).toBe('loss');
    expect(resolveFit({ validationSplit: 0.2, schedule: { kind: 'plateau', monitor: 'valLoss' } }, false).schedule).toMatchObject({ monitor: 'valLoss' });
    expect(resolveFit({ schedule: { kind: 'step', stepSize: 3 } }).schedule).toEqual({ kind: 'step', stepSize: 3, gamma: 0.1 });
    expect(resolveFit({ schedule: { kind: 'cosine', epochs: 5 } }).schedule).toEqual({ kind: 'cosine', epochs: 5, minLearningRate: 0 });
    expect(resolveFit({ schedule: { kind: 'plateau' } }).schedule).toEqual({ kind: 'plateau', monitor: 'loss', factor: 0.1, patience: 10, minLearningRate: 0 });
    expect(resolveFit({ validationSplit: 0.1, schedule: { kind: 'plateau', factor: 0.5, patience: 0, minLearningRate: 1e-5 } }).schedule).toEqual({ kind: 'plateau', monitor: 'valLoss', factor: 0.5, patience: 0, minLearningRate: 1e-5 });
    const fn = (e: number, lr: number) => lr / (e + 1);
    expect(resolveFit({ schedule: fn }).schedule).toBe(fn);
    expect(resolveFit({ sampleWeight: [1, 2] }).sampleWeight).toEqual([1, 2]);
    expect(resolveFit({ sampleWeight: Float32Array.of(1) }).sampleWeight).toEqual(Float32Array.of(1));
  });
});

describe('data checks', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['empty flat array', () => toMatrix(new Float32Array(0), 2, 'x'), 'SHAPE_MISMATCH', /^x: expected a flat array of rows x 2 values \(a positive multiple of 2\), got a Float32Array of length 0$/],
    ['flat array not a multiple', () => toMatrix(new Float64Array(5), 2, 'x'), 'SHAPE_MISMATCH', /^x: expected a flat array of rows x 2 values \(a positive multiple of 2\), got a Float64Array of length 5$/],
    ['NaN in a flat Float32Array', () => toMatrix(Float32Array.of(1, 2, 3, NaN), 2, 'x'), 'INVALID_DATA', /^x: expected finite float32 values, got NaN at row 1, column 1$/],
    ['Infinity in a Float64Array', () => toMatrix(Float64Array.of(1, Infinity), 2, 'x'), 'INVALID_DATA', /^x: expected finite float32 values, got Infinity at row 0, column 1$/],
    ['beyond float32 in a Float64Array', () => toMatrix(Float64Array.of(1e39, 0), 2, 'x'), 'INVALID_DATA', /^x: expected finite float32 values, got Infinity at row 0, column 0$/],
    ['empty nested', () => toMatrix([], 2, 'x'), 'SHAPE_MISMATCH', /^x: expected at least one row, got an empty array$/],
    ['a row that is a number', () => toMatrix([1, 2], 2, 'x'), 'INVALID_DATA',
      /^x\[0\]: expected a row of 2 numbers, got the single number 1; give x as rows \(number\[\]\[\], one array of 2 per sample\) or as a flat Float32Array of rows x 2 values$/],
    ['a NaN in a flat one-column x', () => toMatrix([1, NaN], 1, 'x'), 'INVALID_DATA', /^x\[1\]: expected a finite number, got NaN$/],
    ['predictBatch x not a Float32Array', () => batchRows([1, 2], new Float32Array(1), 2, 1), 'INVALID_DATA', /^predictBatch: x: expected a Float32Array, got an array of length 2$/],
    ['predictBatch out not a Float32Array', () => batchRows(new Float32Array(2), new Float64Array(1), 2, 1), 'INVALID_DATA', /^predictBatch: out: expected a Float32Array, got a Float64Array of length 1$/],
    ['predictBatch x of a partial row', () => batchRows(new Float32Array(5), new Float32Array(9), 2, 3), 'SHAPE_MISMATCH', /^predictBatch: x: expected a multiple of inputSize 2 values, got 5$/],
    ['predictBatch out too short', () => batchRows(new Float32Array(6), new Float32Array(8), 2, 3), 'SHAPE_MISMATCH', /^predictBatch: out: expected at least 9 values \(3 rows x 3 outputs\), got 8$/],
    ['a string in a flat one-column x', () => toMatrix([1, '2'], 1, 'x'), 'INVALID_DATA', /^x\[1\]: expected a finite number, got the string "2"$/],
    ['a short row', () => toMatrix([[1, 2], [3]], 2, 'x'), 'SHAPE_MISMATCH', /^x\[1\]: expected 2 values, got 1$/],
    ['a string cell', () => toMatrix([[1, '2']], 2, 'x'), 'INVALID_DATA', /^x\[0\]\[1\]: expected a finite number, got the string "2"$/],
    ['a huge cell', () => toMatrix([[1, 1e39]], 2, 'x'), 'INVALID_DATA', /^x: expected finite float32 values, got Infinity at row 0, column 1$/],
    ['not data', () => toMatrix('1,2', 2, 'x'), 'INVALID_DATA', /^x: expected a flat Float32Array \(row-major, 2 values per row\) or number\[\]\[\], got the string "1,2"$/],
    ['labels for mse', () => toTargets(Int32Array.of(0, 1), 2, 2, false, 'y'), 'INVALID_DATA',
      /^y: got a flat array of 2 values for 2 samples; class labels \(one per sample\) need loss 'categorical-cross-entropy'; this network has 2 outputs per sample: give targets as number\[\]\[\] \(2 per row\) or a flat Float32Array of rows x 2$/],
    ['flat number[] labels for mse', () => toTargets([0, 1], 2, 2, false, 'y'), 'INVALID_DATA', /^y: got a flat array of 2 values for 2 samples; class labels/],
    ['Float32Array labels for mse', () => toTargets(Float32Array.of(0, 1, 1), 3, 2, false, 'y'), 'INVALID_DATA', /^y: got a flat array of 3 values for 3 samples; class labels/],
    ['Float32Array label 1.5', () => toTargets(Float32Array.of(0, 1.5, 1), 3, 2, true, 'y'), 'INVALID_DATA', /^y\[1\]: expected a class label, an integer in \[0, 1\], got 1\.5$/],
    ['one output: too few targets', () => toTargets([0.5, 1], 3, 1, false, 'y'), 'SHAPE_MISMATCH', /^y: expected 3 targets \(one per input sample\), got 2$/],
    ['one output: a NaN target', () => toTargets([0.5, NaN], 2, 1, false, 'y'), 'INVALID_DATA', /^y\[1\]: expected a finite number, got NaN$/],
    ['one output: a string target', () => toTargets(['a', 1], 2, 1, false, 'y'), 'INVALID_DATA', /^y\[0\]: expected a finite number, got the string "a"$/],
    ['too few labels', () => toTargets([0], 2, 3, true, 'y'), 'SHAPE_MISMATCH', /^y: expected 2 class labels \(one per sample\), got 1$/],
    ['label 1.5', () => toTargets([0, 1.5], 2, 3, true, 'y'), 'INVALID_DATA', /^y\[1\]: expected a class label, an integer in \[0, 2\], got 1\.5$/],
    ['label -1', () => toTargets(Int32Array.of(-1, 0), 2, 3, true, 'y'), 'INVALID_DATA', /^y\[0\]: expected a class label, an integer in \[0, 2\], got -1$/],
    ['label 3 of 3 classes', () => toTargets([3, 0], 2, 3, true, 'y'), 'INVALID_DATA', /^y\[0\]: expected a class label, an integer in \[0, 2\], got 3$/],
    ['label a string', () => toTargets([0, '1'], 2, 3, true, 'y'), 'INVALID_DATA', /^y\[1\]: expected a class label, an integer in \[0, 2\], got the string "1"$/],
    ['empty targets', () => toTargets([], 2, 3, true, 'y'), 'SHAPE_MISMATCH', /^y: expected at least one row, got an empty array$/],
    ['NaN in flat targets', () => toTargets(Float32Array.of(0, 1, NaN, 0), 2, 2, true, 'y'), 'INVALID_DATA', /^y: expected finite float32 values, got NaN at row 1, column 0$/],
    ['wrong target rows', () => toTargets(new Float32Array(6), 2, 2, true, 'y'), 'SHAPE_MISMATCH', /^y: expected 2 target rows \(one per input sample\) of 2 values, got 3 rows$/],
  ];
  for (const [name, fn, code, message] of cases) {
    it(name, () => {
      const e = error(fn);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    });
  }

  it('predictBatch takes an out of exactly the outputs, or longer, and counts the rows', () => {
    expect(batchRows(new Float32Array(6), new Float32Array(9), 2, 3)).toBe(3);
    expect(batchRows(new Float32Array(6), new Float32Array(100), 2, 3)).toBe(3);
    expect(batchRows(new Float32Array(0), new Float32Array(0), 2, 3)).toBe(0);
  });

  it('converts what it accepts, without copying a Float32Array it need not', () => {
    const f = Float32Array.of(1, 2, 3, 4);
    expect(toMatrix(f, 2, 'x').data).toBe(f);
    expect(toMatrix(f, 2, 'x').rows).toBe(2);
    expect(Array.from(toMatrix(Float64Array.of(1, 2), 2, 'x').data)).toEqual([1, 2]);
    expect(Array.from(toMatrix([[1, 2], Float32Array.of(3, 4)], 2, 'x').data)).toEqual([1, 2, 3, 4]);
    // check = false leaves NaN to the caller (the wasm engine checks in the core)
    expect(toMatrix(Float32Array.of(NaN, 1), 2, 'x', false).rows).toBe(1);
    expect(Array.from(toTargets(Int32Array.of(2, 0), 2, 3, true, 'y'))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(toTargets([1, 0], 2, 2, true, 'y'))).toEqual([0, 1, 1, 0]);
    expect(Array.from(toTargets([[0.5], [0.25]], 2, 1, false, 'y'))).toEqual([0.5, 0.25]);
    // every position of a long array is checked (the four-way fast pass and its tail)
    for (let n = 1; n <= 9; n++) {
      for (let at = 0; at < n; at++) {
        const d = new Float32Array(n).fill(1);
        d[at] = -Infinity;
        expect(error(() => checkFinite(d, 1, 'x')).message).toBe(`x: expected finite float32 values, got -Infinity at row ${at}, column 0`);
      }
      expect(() => checkFinite(new Float32Array(n).fill(-3), 1, 'x')).not.toThrow();
    }
  });
});
