// What the CLI keeps in a model file besides the network: the task, the feature columns by name,
// the target column and the class names, in the network's metadata (saved with it by the
// library). predict and evaluate read the features back by name from any CSV that has them.

import type { Network } from '../node.js';
import type { Library } from './library.js';
import { UsageError } from './args.js';
import { cell, columnIndex, numericColumns, readInput, type Table } from './table.js';

export type Task = 'classification' | 'regression';

// A type alias, not an interface: it must be assignable to the library's JSON object type.
export type CliMetadata = {
  tool: 'wasm-mlp-cli';
  task: Task;
  target: string;
  features: string[];
  /** Classification: the class names, in output-unit order. */
  classes?: string[];
};

export interface CliModel {
  net: Network;
  meta: CliMetadata;
}

/** Loads a .wmlp file (net.save()) or a JSON model (net.toJSON()) written by `wasm-mlp train`. */
export async function loadModel(lib: Library, file: string): Promise<CliModel> {
  const bytes = readInput(file);
  let net: Network;
  try {
    net = bytes[0] === 0x7b /* '{' */ ? await lib.Network.fromJSON(parseJson(file, bytes)) : await lib.Network.load(bytes);
  } catch (err) {
    if (err instanceof lib.WasmMlpError && err.code === 'INVALID_MODEL') throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const meta = net.metadata as Partial<CliMetadata> | null;
  if (!meta || meta.tool !== 'wasm-mlp-cli' || !Array.isArray(meta.features) || typeof meta.target !== 'string') {
    net.dispose();
    throw new UsageError(`${file}: a wasm-mlp network, but not one written by 'wasm-mlp train' (its metadata names no feature columns)`);
  }
  return { net, meta: meta as CliMetadata };
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`${file}: not a model file (it starts with '{' but is not valid JSON)`);
  }
}

/** The model's features from a CSV, by name, in the model's order; extra columns are ignored. */
export function featureMatrix(table: Table, meta: CliMetadata): Float64Array {
  const missing = meta.features.filter((f) => !table.columns.includes(f));
  if (missing.length > 0) {
    const list = missing.length > 8 ? `${missing.slice(0, 8).join(', ')} and ${missing.length - 8} more` : missing.join(', ');
    throw new UsageError(`${table.file}: missing ${missing.length === 1 ? 'the feature column' : `${missing.length} feature columns`} the model was trained on: ${list}`);
  }
  return numericColumns(table, meta.features.map((f) => table.columns.indexOf(f)));
}

/** Class indices of a classification target column, by the model's class names. */
export function classLabels(table: Table, meta: CliMetadata): Int32Array {
  const c = columnIndex(table, meta.target, 'target');
  const classes = new Map(meta.classes!.map((name, i) => [name, i]));
  const labels = new Int32Array(table.rows.length);
  for (let r = 0; r < labels.length; r++) {
    const name = classKey(cell(table, r, c));
    const i = classes.get(name);
    if (i === undefined) {
      throw new UsageError(`${table.file} line ${table.lines[r]}: class '${name}' in column '${meta.target}' is not one the model knows (${meta.classes!.join(', ')})`);
    }
    labels[r] = i;
  }
  return labels;
}

/** Numbers of a regression target column. */
export function numericTarget(table: Table, meta: CliMetadata): Float64Array {
  return numericColumns(table, [columnIndex(table, meta.target, 'target')]);
}

/**
 * The class name of a label cell. Integer labels are named by their value, so "1", "1.0" and
 * " 1" are one class; any other text is its own name.
 */
export function classKey(text: string): string {
  const value = /^[+-]?\d+(\.0*)?$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(value) ? String(value) : text;
}
