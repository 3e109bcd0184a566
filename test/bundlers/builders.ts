// The three bundlers, each run the way an app author runs it with default asset handling:
//   Vite 8:     build() with no config file (only where the output goes)
//   esbuild:    bundle, ESM, browser, minified, `--loader:.wasm=file`
//   webpack 5:  Node API, mode 'production', no loaders/rules
// Each takes an app folder written by apps.ts and emits <dir>/dist with an index.html.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as viteBuild, createLogger } from 'vite';
import * as esbuild from 'esbuild';
import webpack from 'webpack';
import { indexHtml } from './apps.js';

export interface Built {
  dist: string;
  ms: number;
  warnings: string[];
}

const elapsed = (t: number): number => Math.round(performance.now() - t);

export async function buildVite(dir: string): Promise<Built> {
  const t = performance.now();
  const dist = join(dir, 'dist');
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const warn = logger.warn;
  logger.warn = (msg, options) => {
    warnings.push(msg);
    warn(msg, options);
  };
  await viteBuild({
    root: dir,
    configFile: false,
    envDir: false, // no .env files: nothing but defaults
    cacheDir: join(dir, '.vite'), // keep everything inside the app's sub-folder
    customLogger: logger,
    logLevel: 'warn',
    build: { outDir: dist, emptyOutDir: true },
  });
  return { dist, ms: elapsed(t), warnings };
}

export async function buildEsbuild(dir: string): Promise<Built> {
  const t = performance.now();
  const dist = join(dir, 'dist');
  const result = await esbuild.build({
    absWorkingDir: dir,
    // The full app's pool worker is a second entry point (esbuild does not follow
    // `new Worker(new URL(...))`); the app tells init() where it is.
    entryPoints: existsSync(join(dir, 'main.js')) && readFileSync(join(dir, 'main.js'), 'utf8').includes("from 'wasm-mlp';")
      ? ['./main.js', { in: 'wasm-mlp/worker.js', out: 'worker' }]
      : ['./main.js'],
    outdir: dist,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    loader: { '.wasm': 'file' },
    logLevel: 'silent',
  });
  writeFileSync(join(dist, 'index.html'), indexHtml('./main.js'));
  return { dist, ms: elapsed(t), warnings: result.warnings.map((w) => w.text) };
}

export async function buildWebpack(dir: string): Promise<Built> {
  const t = performance.now();
  const dist = join(dir, 'dist');
  const compiler = webpack({ mode: 'production', context: dir, entry: './main.js', output: { path: dist, filename: 'main.js', clean: true } });
  const stats = await new Promise<webpack.Stats>((resolve, reject) => {
    compiler.run((err, s) => compiler.close(() => (err || !s ? reject(err ?? new Error('webpack: no stats')) : resolve(s))));
  });
  const info = stats.toJson({ all: false, errors: true, warnings: true });
  if (stats.hasErrors()) throw new Error(`webpack: ${(info.errors ?? []).map((e) => e.message).join('\n')}`);
  // webpack emits no HTML of its own; its output is a classic script.
  writeFileSync(join(dist, 'index.html'), indexHtml('./main.js', false));
  return { dist, ms: elapsed(t), warnings: (info.warnings ?? []).map((w) => w.message) };
}
