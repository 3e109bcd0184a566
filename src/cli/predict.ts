// wasm-mlp predict: one output row per input row, in input order.

import { writeFileSync } from 'node:fs';
import type { Library } from './library.js';
import { parse, positionals } from './args.js';
import { csvLine, formatFloat32, readTable } from './table.js';
import { featureMatrix, loadModel } from './model.js';
import { argMax } from './metrics.js';

export const predictHelp = `Usage: wasm-mlp predict MODEL.wmlp DATA.csv [--out FILE] [--proba]

Predicts with a model trained by 'wasm-mlp train'. DATA.csv needs the model's feature
columns (by name, in any order; other columns, e.g. the target, are ignored).
Writes a CSV: a header row, then one row per input row with the prediction first (the
class name for a classifier, the number for a regression).

Options:
  --proba        classifiers: also one column of probability per class (p_CLASS)
  --out FILE     write the CSV to FILE (default: standard output)
  -h, --help     this help

Example:
  wasm-mlp predict iris.wmlp new-flowers.csv --proba --out predictions.csv
`;

export async function predict(lib: Library, args: string[]): Promise<void> {
  const { values, positionals: p } = parse('predict', args, { out: { type: 'string' }, proba: { type: 'boolean', default: false } });
  if (values.help) {
    process.stdout.write(predictHelp);
    return;
  }
  const [modelFile, dataFile] = positionals('predict', p, ['model file', 'data file']);
  const { net, meta } = await loadModel(lib, modelFile);
  let csv: string;
  try {
    const table = readTable(dataFile);
    const width = net.outputSize;
    const out = table.rows.length > 0 ? net.predict(featureMatrix(table, meta)) : new Float32Array(0);
    const classes = meta.classes ?? [];
    const proba = values.proba && meta.task === 'classification';
    const lines = [csvLine([meta.target, ...(proba ? classes.map((c) => `p_${c}`) : [])])];
    for (let r = 0; r < table.rows.length; r++) {
      const row = out.subarray(r * width, (r + 1) * width);
      const first = meta.task === 'classification' ? classes[argMax(out, r, width)] : formatFloat32(row[0]);
      lines.push(csvLine([first, ...(proba ? Array.from(row, formatFloat32) : [])]));
    }
    csv = lines.join('');
  } finally {
    net.dispose();
  }
  if (typeof values.out === 'string') writeFileSync(values.out, csv);
  else process.stdout.write(csv);
}
