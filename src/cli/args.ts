// Command-line parsing shared by the commands: node:util parseArgs with strict options, and
// checked conversions of option strings. Every mistake the user can make is a UsageError: one
// line on stderr and exit code 2 (see main.ts).

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line or the input files, reported as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * parseArgs in strict mode, with Node's own errors (unknown option, missing value) turned into
 * UsageErrors that name the command and point to its --help.
 */
export function parse(command: string, args: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Node's message is one sentence plus, for unknown options, a hint about '--': keep the first.
      const first = (err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
      throw new UsageError(`${command}: ${first} (see wasm-mlp ${command} --help)`);
    }
    throw err;
  }
}

/** Exactly `names.length` positionals, named in the message when some are missing or extra. */
export function positionals(command: string, given: string[], names: string[]): string[] {
  if (given.length < names.length) {
    const missing = names.slice(given.length).join(' and ');
    throw new UsageError(`${command}: missing ${missing} (usage: wasm-mlp ${command} ${names.map((n) => n.toUpperCase().replace(/ /g, '_')).join(' ')} ..., see --help)`);
  }
  if (given.length > names.length) throw new UsageError(`${command}: unexpected argument '${given[names.length]}' (see wasm-mlp ${command} --help)`);
  return given;
}

export function required(command: string, values: Parsed['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command}: --${name} is required (see wasm-mlp ${command} --help)`);
  return v;
}

/** A number option within [min, max]; integers only when `integer`. */
export function numberOption(name: string, text: string, min: number, max: number, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const what = integer ? 'an integer' : 'a number';
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name}: expected ${what} ${range}, got '${text}'`);
  }
  return value;
}

/** One of the listed words, or a UsageError that lists them. */
export function choice<T extends string>(name: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got '${text}'`);
  return text as T;
}
