// wasm-mlp train: a CSV and the name of its target column in, a model file out. The task comes
// from the target column: text or integer labels are classes (softmax output, categorical
// cross-entropy), any other numbers a regression (one linear output, mse).

import { writeFileSync } from 'node:fs';
import type { EpochStats, FitOptions, LayerOptions, Network, Targets } from '../node.js';
import type { Library } from './library.js';
import { UsageError, choice, numberOption, parse, positionals, required, type OptionSpec } from './args.js';
import { cell, columnIndex, numericColumns, parseNumber, readTable, type Table } from './table.js';
import { classKey, type CliMetadata, type Task } from './model.js';
import { Progress } from './progress.js';
import { scoreLine, scoreTable } from './evaluate.js';
import { regressionScores } from './metrics.js';

export const trainHelp = `Usage: wasm-mlp train DATA.csv --target COLUMN [options]

Trains a network on a CSV file whose first row names the columns, and saves it.
Every column but the target is a numeric feature. The task comes from the target:
text or integer labels -> classification (softmax output, categorical cross-entropy;
the class names are kept in the model), any other numbers -> regression (one linear
output, mean squared error).

Options:
  --target COLUMN          the column to predict (required)
  --task TASK              auto (default), classification or regression
  --layers LIST            hidden layer sizes, comma-separated (default 100)
  --activation NAME        hidden activation: relu (default), leaky-relu, elu, tanh,
                           sigmoid, softplus, linear
  --dropout P              dropout on the hidden layers while training (default 0)
  --epochs N               passes over the training rows (default 100)
  --batch-size N           rows per step (default 32)
  --optimizer NAME         adam (default), sgd or rmsprop
  --learning-rate X        step size (default 0.001)
  --validation-split F     fraction of the rows held out to validate (default 0.1;
                           rows are shuffled with the seed first, 0 for none)
  --early-stopping N       stop after N epochs without a better validation loss
                           and keep the best epoch's weights (default: off)
  --test FILE              also score the model on this CSV at the end
  --no-normalize           do not standardize the features (default: each feature is
                           scaled to mean 0, std 1 with the training rows' statistics,
                           kept in the model; regression targets likewise, undone in
                           the output layer)
  --seed N                 seed of the weights, shuffles and split (default 42)
  --threads N              threads to train on, or auto (default 1)
  --out FILE               where to save the model (default model.wmlp)
  -h, --help               this help

The defaults are scikit-learn's MLPClassifier's network and optimizer (one hidden layer
of 100 relu units, Adam with step 0.001) with 100 epochs of batches of 32: on held-out
data they match its accuracy (see the package README).

Progress: a bar redrawn each epoch on a terminal, one line per epoch otherwise. The
last line gives the validation (and with --test, the test) score.

Example:
  wasm-mlp train iris.csv --target species --layers 32 --epochs 100 --out iris.wmlp
`;

const OPTIONS: OptionSpec = {
  target: { type: 'string' },
  task: { type: 'string', default: 'auto' },
  layers: { type: 'string', default: '100' },
  activation: { type: 'string', default: 'relu' },
  dropout: { type: 'string', default: '0' },
  epochs: { type: 'string', default: '100' },
  'batch-size': { type: 'string', default: '32' },
  optimizer: { type: 'string', default: 'adam' },
  'learning-rate': { type: 'string', default: '0.001' },
  'validation-split': { type: 'string', default: '0.1' },
  'early-stopping': { type: 'string' },
  test: { type: 'string' },
  'no-normalize': { type: 'boolean', default: false },
  seed: { type: 'string', default: '42' },
  threads: { type: 'string', default: '1' },
  out: { type: 'string', default: 'model.wmlp' },
};

const ACTIVATIONS = ['relu', 'leaky-relu', 'elu', 'tanh', 'sigmoid', 'softplus', 'linear'] as const;
const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

interface TrainSettings {
  file: string;
  target: string;
  task: Task | 'auto';
  layers: number[];
  activation: (typeof ACTIVATIONS)[number];
  dropout: number;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  validationSplit: number;
  patience?: number;
  test?: string;
  normalize: boolean;
  seed: number;
  threads: number | 'auto';
  out: string;
}

function settings(args: string[]): TrainSettings | null {
  const { values: v, positionals: p } = parse('train', args, OPTIONS);
  if (v.help) return null;
  const [file] = positionals('train', p, ['data file']);
  const s = (name: string): string => v[name] as string;
  return {
    file,
    target: required('train', v, 'target'),
    task: choice('task', s('task'), ['auto', 'classification', 'regression'] as const),
    layers: s('layers').split(',').map((u) => numberOption('layers', u, 1, 65536, true)),
    activation: choice('activation', s('activation'), ACTIVATIONS),
    dropout: fraction('dropout', s('dropout')),
    epochs: numberOption('epochs', s('epochs'), 1, 1e7, true),
    batchSize: numberOption('batch-size', s('batch-size'), 1, 1e7, true),
    optimizer: choice('optimizer', s('optimizer'), OPTIMIZERS),
    learningRate: positive('learning-rate', s('learning-rate')),
    validationSplit: fraction('validation-split', s('validation-split')),
    patience: v['early-stopping'] === undefined ? undefined : numberOption('early-stopping', s('early-stopping'), 0, 1e7, true),
    test: v.test as string | undefined,
    normalize: !v['no-normalize'],
    seed: numberOption('seed', s('seed'), 0, 2 ** 32 - 1, true),
    threads: s('threads') === 'auto' ? 'auto' : numberOption('threads', s('threads'), 1, 16, true),
    out: s('out'),
  };
}

function positive(name: string, text: string): number {
  const x = numberOption(name, text, 0, Infinity, false);
  if (x === 0) throw new UsageError(`--${name}: expected a number > 0, got '${text}'`);
  return x;
}

function fraction(name: string, text: string): number {
  const x = numberOption(name, text, 0, 1, false);
  if (x === 1) throw new UsageError(`--${name}: expected a fraction from 0 up to (not including) 1, got '${text}'`);
  return x;
}

export async function train(lib: Library, args: string[]): Promise<void> {
  const o = settings(args);
  if (!o) {
    process.stdout.write(trainHelp);
    return;
  }
  const data = trainingData(o);
  const { meta } = data;
  const classification = meta.task === 'classification';
  const outputs: LayerOptions = classification ? { units: meta.classes!.length, activation: 'softmax' } : { units: 1, activation: 'linear' };
  const net = await lib.Network.create({
    inputSize: meta.features.length,
    layers: [...o.layers.map((units) => ({ units, activation: o.activation, dropout: o.dropout })), outputs],
    loss: classification ? 'categorical-cross-entropy' : 'mse',
    optimizer: { kind: o.optimizer, learningRate: o.learningRate },
    seed: o.seed,
    threads: o.threads,
    metadata: meta,
  });
  try {
    if (o.normalize) net.adapt(data.xTrain);
    await fitNetwork(net, o, data);
    writeFileSync(o.out, net.save());
    process.stdout.write(`saved ${o.out} (${meta.features.length} features, ${describeTask(meta)})\n`);
    const validation = data.yVal.length > 0;
    const scored = validation ? scoreRows(net, meta, data.xVal, data.yVal) : scoreRows(net, meta, data.xTrain, data.yTrain);
    process.stdout.write(`${validation ? 'validation' : 'training'} ${scored} (${validation ? data.yVal.length : data.yTrain.length} rows)\n`);
    if (o.test) {
      const testTable = readTable(o.test);
      process.stdout.write(`test ${scoreLine(scoreTable(net, meta, testTable))} (${testTable.rows.length} rows)\n`);
    }
  } finally {
    net.dispose();
  }
}

interface TrainingData {
  meta: CliMetadata;
  /** Row-major (rows x features) and one target per row: class indices or numbers. */
  xTrain: Float64Array;
  yTrain: Float64Array;
  /** The held-out rows; empty with --validation-split 0. */
  xVal: Float64Array;
  yVal: Float64Array;
}

/** The CSV read, checked and split into training and validation rows. */
function trainingData(o: TrainSettings): TrainingData {
  const table = readTable(o.file);
  const targetColumn = columnIndex(table, o.target, 'target');
  const featureColumns = table.columns.map((_, c) => c).filter((c) => c !== targetColumn);
  if (featureColumns.length === 0) throw new UsageError(`${o.file}: no feature columns besides the target '${o.target}'`);
  const n = table.rows.length;
  const held = Math.floor(n * o.validationSplit);
  checkRows(o, n, held);

  const x = numericColumns(table, featureColumns);
  const target = readTarget(table, targetColumn, o.task);
  const meta: CliMetadata = {
    tool: 'wasm-mlp-cli', task: target.task, target: o.target, features: featureColumns.map((c) => table.columns[c]),
    ...(target.task === 'classification' ? { classes: target.classes } : {}),
  };
  // Validation takes the last rows; a shuffle first keeps a CSV sorted by class from holding out one class.
  const order = shuffled(n, o.seed);
  const width = featureColumns.length;
  const trainRows = order.subarray(0, n - held);
  const valRows = order.subarray(n - held);
  return {
    meta,
    xTrain: gatherRows(x, width, trainRows),
    yTrain: gatherRows(target.values, 1, trainRows),
    xVal: gatherRows(x, width, valRows),
    yVal: gatherRows(target.values, 1, valRows),
  };
}

/** Trains with progress; a regression leaves the network predicting in the target's units. */
async function fitNetwork(net: Network, o: TrainSettings, data: TrainingData): Promise<void> {
  const classification = data.meta.task === 'classification';
  // A regression target trains standardized too (unit-scale errors suit the default step
  // size whatever the target's units); the output layer takes its scale back after fit.
  const scale = !classification && o.normalize ? meanStd(data.yTrain) : { mean: 0, std: 1 };
  const targets = (y: Float64Array): Targets => (classification ? Int32Array.from(y) : standardize(y, scale));
  const progress = new Progress({
    epochs: o.epochs, tty: !!process.stdout.isTTY, columns: process.stdout.columns || 80,
    // The library's 'mse' loss is half the mean squared error (its gradient is then a - y);
    // progress shows the mean squared error itself, in the target's units.
    lossName: classification ? 'loss' : 'mse', lossScale: classification ? 1 : 2 * scale.std ** 2, write: (t) => process.stdout.write(t),
  });
  const validation = data.yVal.length > 0;
  const fitOptions: FitOptions = {
    epochs: o.epochs,
    batchSize: o.batchSize,
    onEpochEnd: (stats: EpochStats) => progress.epoch(stats),
    ...(validation ? { validationData: [data.xVal, targets(data.yVal)] } : {}),
    ...(o.patience === undefined ? {} : { earlyStopping: { monitor: validation ? 'valLoss' : 'loss', patience: o.patience, restoreBestWeights: true } }),
  };
  const history = await net.fit(data.xTrain, targets(data.yTrain), fitOptions);
  progress.finish();
  if (!classification) unscaleOutput(net, scale);
  if (history.stopReason === 'early-stopping') {
    process.stdout.write(`early stopping after epoch ${history.loss.length}; kept epoch ${history.bestEpoch! + 1}\n`);
  }
}

function checkRows(o: TrainSettings, n: number, held: number): void {
  if (n === 0) throw new UsageError(`${o.file}: no data rows after the header`);
  if (n < 2 || n - held < 1 || (o.validationSplit > 0 && held < 1)) {
    const split = o.validationSplit > 0 ? `; --validation-split ${o.validationSplit} holds out ${held} of them for validation` : '';
    throw new UsageError(`${o.file}: too few rows to train on: ${n} data row${n === 1 ? '' : 's'}${split}; training needs at least 1 row to learn from${o.validationSplit > 0 ? ' and 1 to validate on' : ' and 2 in all'}`);
  }
}

type Target = { task: 'classification'; classes: string[]; values: Float64Array } | { task: 'regression'; values: Float64Array };

/**
 * The target column as class indices (classes sorted: numerically for integer labels,
 * by code point for text) or as numbers.
 */
function readTarget(table: Table, c: number, task: Task | 'auto'): Target {
  const cells = table.rows.map((_, r) => cell(table, r, c));
  const numbers = cells.map(parseNumber);
  const numeric = numbers.every((v) => v !== undefined);
  const integers = numeric && numbers.every((v) => Number.isInteger(v));
  const kind = task === 'auto' ? (numeric && !integers ? 'regression' : 'classification') : task;
  if (kind === 'regression') return { task: 'regression', values: numericColumns(table, [c]) };

  const keys = cells.map(classKey);
  const classes = [...new Set(keys)].sort(integers ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) throw new UsageError(`${table.file}: the target column '${table.columns[c]}' has one class only ('${classes[0]}'); classification needs at least 2`);
  const index = new Map(classes.map((name, i) => [name, i]));
  return { task: 'classification', classes, values: Float64Array.from(keys, (k) => index.get(k)!) };
}

/** A permutation of 0..n-1 from the seed (mulberry32 and Fisher-Yates: the same split every run). */
function shuffled(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Rows `rows` of a flat (n x width) matrix. */
function gatherRows(x: Float64Array, width: number, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(x.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

function meanStd(y: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let variance = 0;
  for (const v of y) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / y.length);
  return { mean, std: std > 0 ? std : 1 };
}

function standardize(y: Float64Array, s: { mean: number; std: number }): Float64Array {
  return y.map((v) => (v - s.mean) / s.std);
}

/** Folds y = mean + std * z into the linear output layer, so the saved model predicts in the target's units. */
function unscaleOutput(net: Network, s: { mean: number; std: number }): void {
  if (s.mean === 0 && s.std === 1) return;
  const w = net.getWeights();
  const last = w.weights.length - 1;
  w.weights[last] = w.weights[last].map((v) => v * s.std);
  w.biases[last] = w.biases[last].map((v) => v * s.std + s.mean);
  net.setWeights(w);
}

function scoreRows(net: Network, meta: CliMetadata, x: Float64Array, y: Float64Array): string {
  if (meta.task === 'classification') {
    const { loss, accuracy } = net.evaluate(x, Int32Array.from(y));
    return scoreLine({ loss, accuracy: accuracy! });
  }
  return scoreLine(regressionScores(net.predict(x), y));
}

function describeTask(meta: CliMetadata): string {
  return meta.task === 'classification' ? `classification of '${meta.target}' into ${meta.classes!.length} classes` : `regression of '${meta.target}'`;
}
