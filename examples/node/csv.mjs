// A CSV file through the API: numeric feature columns and a text class column (Iris by
// default: four measurements in cm, three species), normalized inside the network, trained
// with a validation split and early stopping, evaluated on held-out rows, saved.
//
//   npm install wasm-mlp csv-parse
//   node csv.mjs [file.csv] [--label COLUMN] [--out MODEL]
//
// Defaults: data/iris.csv beside this file, the last column as the label, iris.model.
// Every other column must be numeric. Prints how training went, the test accuracy, a
// confusion table and a prediction made by the saved-and-loaded model.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Network } from 'wasm-mlp';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const file = args[0] && !args[0].startsWith('--') ? args[0] : new URL('./data/iris.csv', import.meta.url);
const modelFile = option('--out', 'iris.model');

// One object per row, keyed by the header line: { sepal_length: '5.1', ..., species: 'setosa' }.
const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true });
const columns = Object.keys(records[0]);
const label = option('--label', columns[columns.length - 1]);
if (!columns.includes(label)) throw new Error(`--label ${label}: no such column; the columns are ${columns.join(', ')}`);
const features = columns.filter((c) => c !== label);

// The class column's distinct values, sorted, become the labels 0, 1, 2, ...
const classes = [...new Set(records.map((r) => r[label]))].sort();

/** Rows as a flat Float32Array (rows x features) and their integer labels. */
function toArrays(rows) {
  const x = new Float32Array(rows.length * features.length);
  rows.forEach((r, i) =>
    features.forEach((c, j) => {
      const v = Number(r[c]);
      // Rows are counted as in the file, the header being row 1.
      if (r[c] === '' || !Number.isFinite(v)) throw new Error(`row ${records.indexOf(r) + 2}, column ${c}: '${r[c]}' is not a number`);
      x[i * features.length + j] = v;
    }),
  );
  return { x, y: Int32Array.from(rows, (r) => classes.indexOf(r[label])) };
}

/** A seeded Fisher-Yates shuffle (xorshift32), so every run splits the same way. */
function shuffled(rows, seed) {
  const out = rows.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Many CSV files are sorted by class (iris.csv is). validationSplit takes the last rows as
// they are, before fit shuffles, so mix them first; then keep a fifth aside as the test set.
const rows = shuffled(records, 2024);
const testCount = Math.round(rows.length / 5);
const train = toArrays(rows.slice(testCount));
const test = toArrays(rows.slice(0, testCount));

const net = await Network.create({
  inputSize: features.length,
  layers: [
    { units: 16, activation: 'relu' },
    { units: classes.length, activation: 'softmax' },
  ],
  optimizer: { kind: 'adam', learningRate: 0.01 },
  seed: 3,
  // Saved with the model, so whoever loads it knows what the inputs and outputs mean.
  metadata: { features, label, classes },
});

// The columns have different scales (sepal length 4-8 cm, petal width 0.1-2.5 cm): adapt
// measures each column's mean and standard deviation on the training rows, and the network
// standardizes every input with them from now on, in fit, evaluate and predict, and after
// save/load, so raw measurements go in everywhere.
net.adapt(train.x);

const history = await net.fit(train.x, train.y, {
  epochs: 300,
  batchSize: 16,
  validationSplit: 0.2,
  earlyStopping: { monitor: 'valLoss', patience: 20, restoreBestWeights: true },
});
const last = history.loss.length - 1;
console.log(
  `trained ${history.loss.length} epochs (${history.stopReason}; best epoch ${history.bestEpoch + 1}, ` +
    `valLoss ${history.valLoss[history.bestEpoch].toFixed(4)}, valAccuracy ${history.valAccuracy[history.bestEpoch].toFixed(4)}); ` +
    `last training loss ${history.loss[last].toFixed(4)}`,
);

const { loss, accuracy } = net.evaluate(test.x, test.y);
console.log(`test: loss ${loss.toFixed(4)}  accuracy ${accuracy.toFixed(4)} on ${test.y.length} rows`);
printConfusion(net.predict(test.x), test.y);

writeFileSync(modelFile, net.save());
console.log(`saved ${modelFile}`);
net.dispose();

// Whoever loads the file gets the normalization and the metadata with it.
const loaded = await Network.load(new Uint8Array(readFileSync(modelFile)));
const sample = records[records.length - 1];
const raw = features.map((c) => Number(sample[c]));
const probabilities = loaded.predict([raw]);
const best = probabilities.indexOf(Math.max(...probabilities));
console.log(
  `loaded ${modelFile}: ${features.map((c, j) => `${c}=${raw[j]}`).join(' ')} -> ` +
    `${loaded.metadata.classes[best]} (p ${probabilities[best].toFixed(3)}; the file says ${sample[label]})`,
);
loaded.dispose();

/** Rows: the true class; columns: the predicted one. */
function printConfusion(outputs, labels) {
  const k = classes.length;
  const counts = Array.from({ length: k }, () => new Array(k).fill(0));
  labels.forEach((truth, i) => {
    const row = outputs.subarray(i * k, (i + 1) * k);
    counts[truth][row.indexOf(Math.max(...row))]++;
  });
  const header = 'true \\ predicted';
  const first = Math.max(header.length, ...classes.map((c) => c.length));
  const width = Math.max(...classes.map((c) => c.length));
  console.log(`${header.padEnd(first)}  ${classes.map((c) => c.padStart(width)).join('  ')}`);
  counts.forEach((row, i) => console.log(`${classes[i].padEnd(first)}  ${row.map((n) => String(n).padStart(width)).join('  ')}`));
}
