// vitest globalSetup: the package as a user installs it, built once per run and shared by every
// test that runs it in another runtime or bundler. `npm pack` (of the dist/ and build/ that
// `npm test` has just built) is installed into a temporary app, with the runtime scripts of
// test/runtimes/ and a digits data file beside it; the Node results of test/runtimes/main.mjs
// (the reference every other runtime must equal, bit for bit) are computed here once, and
// the saved digits model is written to model.bin for the runtimes that only predict.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { loadMnist } from '../bench/mnist.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The temporary app with wasm-mlp installed from its packed tarball. */
    packedApp: string;
    /** test/runtimes/main.mjs's JSON output under Node, from the installed package. */
    nodeResults: string;
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Digits for the runtime tests: 600 training and 64 test rows of 784 floats, labels after. */
function writeDigits(file: string): void {
  const { xTrain, yTrain, xTest } = loadMnist();
  const train = 600;
  const test = 64;
  const x = new Float32Array((train + test) * 784);
  x.set(xTrain.subarray(0, train * 784));
  x.set(xTest.subarray(0, test * 784), train * 784);
  const y = new Float32Array(train);
  for (let i = 0; i < train; i++) y[i] = yTrain[i];
  const out = new Uint8Array(x.byteLength + y.byteLength);
  out.set(new Uint8Array(x.buffer));
  out.set(new Uint8Array(y.buffer), x.byteLength);
  writeFileSync(file, out);
}

export default function setup(project: TestProject): () => void {
  const app = mkdtempSync(join(tmpdir(), 'wasm-mlp-app-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(app).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--offline', `./${tarball}`], {
    cwd: app,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cpSync(join(root, 'test', 'runtimes'), app, { recursive: true });
  writeDigits(join(app, 'digits.bin'));
  const nodeResults = execFileSync(process.execPath, ['main.mjs', 'threads', 'save'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  project.provide('packedApp', app);
  project.provide('nodeResults', nodeResults);
  return () => rmSync(app, { recursive: true, force: true });
}
