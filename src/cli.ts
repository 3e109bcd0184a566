// The `wasm-mlp` command (package.json "bin"), bundled to dist/cli.js. This is the only module
// of the CLI that imports the library: esbuild keeps the import as './node.js' (external), so
// the command runs the package's own dist/node.js, one copy of the library.

import { readFileSync } from 'node:fs';
import * as wasmMlp from './node.js';
import { main } from './cli/main.js';

/** The package's version, from the package.json beside dist/ (where the bundle runs). */
function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

process.exitCode = await main(wasmMlp, process.argv.slice(2), version());
