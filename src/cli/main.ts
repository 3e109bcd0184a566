// The command dispatcher and the one place that decides how a failure is shown: a mistake in
// the command line, the input files or the model file is one line on stderr and exit code 2;
// anything else is a bug and keeps its stack trace.

import type { Library } from './library.js';
import { UsageError } from './args.js';
import { train, trainHelp } from './train.js';
import { predict, predictHelp } from './predict.js';
import { evaluate, evaluateHelp } from './evaluate.js';
import { summary, summaryHelp } from './summary.js';
import { exportModel, exportHelp } from './export.js';
import { bench, benchHelp } from './bench.js';

interface Command {
  run: (lib: Library, args: string[]) => Promise<void>;
  help: string;
  about: string;
}

const COMMANDS: Record<string, Command> = {
  train: { run: train, help: trainHelp, about: 'train a network on a CSV file, save it' },
  predict: { run: predict, help: predictHelp, about: 'predict a CSV file with a saved model' },
  evaluate: { run: evaluate, help: evaluateHelp, about: 'score a saved model on a labelled CSV file' },
  summary: { run: summary, help: summaryHelp, about: 'show a saved model: layers, features, classes' },
  export: { run: exportModel, help: exportHelp, about: 'write a saved model as ONNX' },
  bench: { run: bench, help: benchHelp, about: 'wasm vs pure-JS speed on this machine' },
};

const HELP = `Usage: wasm-mlp COMMAND [options]

Fully connected neural networks on CSV files, trained by a WebAssembly SIMD core.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.about}`).join('\n')}

Run 'wasm-mlp COMMAND --help' for a command's options.

Example:
  wasm-mlp train wine.csv --target class --out wine.wmlp
  wasm-mlp evaluate wine.wmlp wine-test.csv --target class
  wasm-mlp predict wine.wmlp new.csv --proba
`;

/** Library errors caused by what the user gave (a model file, data), shown as one line. */
const INPUT_ERRORS = new Set(['INVALID_OPTION', 'INVALID_DATA', 'SHAPE_MISMATCH', 'INVALID_MODEL', 'UNSUPPORTED_MODEL', 'DIVERGED']);

/** Runs one command line; resolves to the process exit code. */
export async function main(lib: Library, argv: string[], version: string): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? args[0] : undefined;
      if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw unknownCommand(topic);
      process.stdout.write(topic ? COMMANDS[topic].help : HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${version}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw unknownCommand(name);
    await command.run(lib, args);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof lib.WasmMlpError && INPUT_ERRORS.has(err.code))) {
      process.stderr.write(`wasm-mlp: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    // Idle workers never keep Node alive, but a pool started by --threads is stopped now rather than at exit.
    await lib.terminateWorkers();
  }
}

function unknownCommand(name: string): UsageError {
  const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
  return new UsageError(`${what}; the commands are: ${Object.keys(COMMANDS).join(', ')} (see wasm-mlp --help)`);
}
