// wasm-mlp evaluate: a model's scores on a labelled CSV.

import type { Network } from '../node.js';
import type { Library } from './library.js';
import { parse, positionals, required, UsageError } from './args.js';
import { readTable, type Table } from './table.js';
import { classLabels, featureMatrix, loadModel, numericTarget, type CliMetadata } from './model.js';
import { regressionScores, type RegressionScores } from './metrics.js';
import { fmt } from './progress.js';

export const evaluateHelp = `Usage: wasm-mlp evaluate MODEL.wmlp DATA.csv --target COLUMN

Scores a model trained by 'wasm-mlp train' on a CSV that holds its feature columns (by
name, in any order; other columns are ignored) and the true values in COLUMN.
Classification: loss (categorical cross-entropy) and accuracy. Regression: mse, mae, r2.

Options:
  --target COLUMN   the column with the true values (required)
  -h, --help        this help

Example:
  wasm-mlp evaluate iris.wmlp iris-test.csv --target species
`;

export type Scores = { loss: number; accuracy: number } | RegressionScores;

export async function evaluate(lib: Library, args: string[]): Promise<void> {
  const { values, positionals: p } = parse('evaluate', args, { target: { type: 'string' } });
  if (values.help) {
    process.stdout.write(evaluateHelp);
    return;
  }
  const [modelFile, dataFile] = positionals('evaluate', p, ['model file', 'data file']);
  const target = required('evaluate', values, 'target');
  const { net, meta } = await loadModel(lib, modelFile);
  try {
    const table = readTable(dataFile);
    // The true values may sit under another name than the training target (a renamed column).
    process.stdout.write(`${scoreLine(scoreTable(net, { ...meta, target }, table))} (${table.rows.length} rows)\n`);
  } finally {
    net.dispose();
  }
}

/** The model's scores on a CSV with its features and the target column `meta.target`. */
export function scoreTable(net: Network, meta: CliMetadata, table: Table): Scores {
  if (table.rows.length === 0) throw new UsageError(`${table.file}: no data rows after the header`);
  const x = featureMatrix(table, meta);
  if (meta.task === 'classification') {
    const { loss, accuracy } = net.evaluate(x, classLabels(table, meta));
    return { loss, accuracy: accuracy! };
  }
  return regressionScores(net.predict(x), numericTarget(table, meta));
}

export function scoreLine(s: Scores): string {
  return 'accuracy' in s ? `accuracy ${s.accuracy.toFixed(4)}, loss ${fmt(s.loss)}` : `mse ${fmt(s.mse)}, mae ${fmt(s.mae)}, r2 ${s.r2.toFixed(4)}`;
}
