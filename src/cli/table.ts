// CSV in and out. A Table is the header and the string cells of every data row, with the file's
// line number of each row so that a bad cell can be reported where the user will look for it.

import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { UsageError } from './args.js';

export interface Table {
  file: string;
  columns: string[];
  rows: string[][];
  /** lines[r]: the 1-based line of the file on which data row r starts. */
  lines: number[];
}

/** Reads a file, turning "no such file" and friends into a UsageError. */
export function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${file}: is a directory, expected a file`);
    if (code === 'EACCES') throw new UsageError(`${file}: permission denied`);
    throw err;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The cell as a finite number, or undefined when it is not written as one (empty, text, NaN). */
export function parseNumber(cell: string): number | undefined {
  const text = cell.trim();
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Parses a CSV file whose first row names the columns. */
export function readTable(file: string): Table {
  const text = readInput(file);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (err) {
    // csv-parse's CsvError messages already say what and on which line ("Invalid Record Length: expect 3, got 2 on line 5").
    if (err instanceof CsvError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  if (records.length === 0) throw new UsageError(`${file}: the file is empty; expected a header row naming the columns, then data rows`);
  const columns = records[0].record.map((c) => c.trim());
  // A first row of numbers is data: the file has no header, and columns could not be found by name.
  if (columns.every((c) => parseNumber(c) !== undefined)) {
    throw new UsageError(`${file}: no header row (line 1 is all numbers: ${preview(columns)}); the first row must name the columns`);
  }
  columns.forEach((name, c) => {
    if (name === '') throw new UsageError(`${file}: column ${c + 1} has an empty name in the header row`);
    const first = columns.indexOf(name);
    if (first !== c) throw new UsageError(`${file}: the header names column '${name}' twice (columns ${first + 1} and ${c + 1})`);
  });
  const data = records.slice(1);
  return { file, columns, rows: data.map((r) => r.record), lines: data.map((r) => r.info.lines) };
}

function preview(cells: string[]): string {
  return cells.length > 4 ? `${cells.slice(0, 4).join(',')},...` : cells.join(',');
}

/** Index of a column by name, or a UsageError listing the columns there are. */
export function columnIndex(table: Table, name: string, role: string): number {
  const c = table.columns.indexOf(name);
  if (c < 0) throw new UsageError(`${table.file}: no ${role} column '${name}'; the columns are: ${table.columns.join(', ')}`);
  return c;
}

/** Where a cell is, as users read it: "data.csv line 7, column 'age' (3)". */
export function cellPlace(table: Table, row: number, column: number): string {
  return `${table.file} line ${table.lines[row]}, column '${table.columns[column]}' (${column + 1})`;
}

/** The cell text, with an empty cell reported as the error it is for every role. */
export function cell(table: Table, row: number, column: number): string {
  const text = table.rows[row][column].trim();
  if (text === '') throw new UsageError(`${cellPlace(table, row, column)}: empty cell`);
  return text;
}

/**
 * The given columns of every row as a flat row-major Float64Array (rows x columns), so values
 * reach the library as written; the first empty or non-numeric cell is a UsageError.
 */
export function numericColumns(table: Table, columns: number[]): Float64Array {
  const out = new Float64Array(table.rows.length * columns.length);
  for (let r = 0; r < table.rows.length; r++) {
    for (let j = 0; j < columns.length; j++) {
      const text = cell(table, r, columns[j]);
      const value = parseNumber(text);
      if (value === undefined) throw new UsageError(`${cellPlace(table, r, columns[j])}: '${text}' is not a number`);
      out[r * columns.length + j] = value;
    }
  }
  return out;
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or outer spaces. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/** The shortest decimal that reads back as the same float32 (0.1f prints as 0.1, not 0.10000000149). */
export function formatFloat32(value: number): string {
  const f = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(f.toPrecision(digits)));
    if (Math.fround(Number(text)) === f) return text;
  }
  return String(Number(f.toPrecision(9)));
}
