// The installed package through the three bundlers an app author is most likely to use, each
// with default asset handling, and the result run in headless Chromium. Two apps per bundler:
// the full package (trains XOR and digits, saves, predicts with both entries: Node's bits) and
// the inference entry alone (loads the saved model, predicts: Node's bits, and small: the issue's
// budget is JS + wasm <= 30 KB gzipped). Builds go to <packed app>/bundle-<bundler>-<app>/dist.
//
// What each bundler needs (one line each):
//   Vite 8:     nothing. `new URL('../build/x.wasm', import.meta.url)` becomes an emitted asset
//               (the wasm files are > 4 KiB, so never inlined).
//   webpack 5:  nothing (mode 'production', no loaders): the same `new URL` becomes an asset module.
//   esbuild:    `--loader:.wasm=file`, and the app imports the wasm URL and hands it to init():
//                 import inferUrl from 'wasm-mlp/infer.wasm';
//                 await init(new URL(inferUrl, import.meta.url));
//               (full entry: `init({ wasm: new URL(wasmUrl, import.meta.url) })` with
//               `import wasmUrl from 'wasm-mlp/wasm-mlp.wasm'`). esbuild leaves
//               `new URL(..., import.meta.url)` as it is, so without this the page asks the
//               server for /build/x.wasm, which the bundle does not contain.
//               For threads, also `import threadsUrl from 'wasm-mlp/wasm-mlp.threads.wasm'`,
//               add `wasm-mlp/worker.js` as a second entry point (out: 'worker'), and pass
//               `init({ wasm, threadsWasm, worker: new URL('./worker.js', import.meta.url) })`.
// The pages are served cross-origin isolated and the full app trains on two threads too, so
// each bundler must also ship the threaded wasm and the pool's worker script (Vite and webpack
// recognise `new Worker(new URL('...', import.meta.url), { type: 'module' })` and bundle it).
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { writeApp, type AppKind } from './bundlers/apps.js';
import { buildEsbuild, buildVite, buildWebpack, type Built } from './bundlers/builders.js';
import { runPage, shipped, type PageRun, type Shipped } from './bundlers/page.js';

const BUDGET = 30 * 1024;

const app = inject('packedApp');
const node = JSON.parse(inject('nodeResults')) as Record<string, unknown> & { inferPredict: string };
// The full app also trains on two threads (its page is cross-origin isolated): all of Node's JSON
// but lite's predictions (wasm-mlp/lite finds no .wasm by itself, so the app leaves it out; it
// is bundled and run in workerd and edge-runtime by test/edge.test.ts).
const { litePredict: _lite, ...nodeFull } = node;
/** The data files every page fetches from its server. */
const DATA = { 'digits.bin': join(app, 'digits.bin'), 'model.bin': join(app, 'model.bin') };
const PACKAGE_WASM = ['wasm-mlp.wasm', 'wasm-mlp.threads.wasm', 'infer.wasm'].map((name) => ({
  name,
  bytes: readFileSync(join(app, 'node_modules', 'wasm-mlp', 'build', name)),
}));

const BUNDLERS: Record<string, { build: (dir: string) => Promise<Built>; importWasm: boolean }> = {
  vite: { build: buildVite, importWasm: false },
  esbuild: { build: buildEsbuild, importWasm: true },
  webpack: { build: buildWebpack, importWasm: false },
};

/** A `node:` specifier anywhere in the code: import, export from, import(), require(). */
const NODE_IMPORT = /["'`]node:[\w/]+["'`]/;
const TRAINING_CODE = ['trainEpochs', 'Worker(', 'resolveFit'];

let browser: Promise<Browser>;

beforeAll(() => {
  // Launched now, awaited by the first page: it starts while the first bundle builds.
  browser = launchChromium();
  browser.catch(() => {}); // reported by the first test that awaits it
}, 360_000);

interface Row {
  bundler: string;
  app: AppKind;
  files: Shipped;
  /** gzip -9 bytes of the .js and .wasm the page actually requested. */
  loadedGzip: number;
  buildMs: number;
  pageMs: number;
}
const rows: Row[] = [];

afterAll(async () => {
  printTable();
  await (await browser.catch(() => null))?.close();
});

/** Builds one app, opens it, records its sizes; the page's errors must be none. */
async function buildAndRun(bundler: string, kind: AppKind): Promise<{ built: Built; files: Shipped; run: PageRun }> {
  const { build, importWasm } = BUNDLERS[bundler];
  const built = await build(writeApp(app, bundler, kind, importWasm));
  const files = shipped(built.dist);
  const run = await runPage(await browser, built.dist, DATA);
  const loadedGzip = run.fetched
    .filter((p) => /\.(m?js|wasm)$/.test(p))
    .reduce((sum, p) => sum + gzipSync(readFileSync(join(built.dist, p)), { level: 9 }).length, 0);
  rows.push({ bundler, app: kind, files, loadedGzip, buildMs: built.ms, pageMs: run.ms });
  expect(run.errors).toEqual([]);
  expect(run.result?.error).toBeUndefined();
  return { built, files, run };
}

/** Which of the package's wasm files each wasm the page fetched is (by its bytes). */
function fetchedWasm(built: Built, run: PageRun): string[] {
  return run.fetched
    .filter((p) => p.endsWith('.wasm'))
    .map((p) => {
      const bytes = readFileSync(join(built.dist, p));
      return PACKAGE_WASM.find((w) => w.bytes.equals(bytes))?.name ?? `unknown ${p}`;
    })
    .sort();
}

const allJs = (files: Shipped): string => Object.values(files.js).join('\n');

describe.each(Object.keys(BUNDLERS))('%s', (bundler) => {
  it('bundles the full package, with no node: import, and it trains in Chromium to exactly Node\'s bits [consistency only]', async () => {
    const { built, files, run } = await buildAndRun(bundler, 'full');
    for (const [file, text] of Object.entries(files.js)) expect(text.match(NODE_IMPORT)?.[0], `${file}: a node: import`).toBeUndefined();
    // The positive control of the inference app's check below: the training core is here.
    expect(allJs(files)).toContain('trainEpochs');
    expect(fetchedWasm(built, run)).toEqual(['infer.wasm', 'wasm-mlp.threads.wasm', 'wasm-mlp.wasm']);
    expect(run.result?.ok).toEqual(nodeFull);
  });

  it('bundles the inference entry alone, without training code, and it predicts Node\'s bits [consistency only]', async () => {
    const { built, files, run } = await buildAndRun(bundler, 'infer');
    const js = allJs(files);
    for (const needle of TRAINING_CODE) expect(js.includes(needle), `the inference app's JS contains ${needle}`).toBe(false);
    for (const [file, text] of Object.entries(files.js)) expect(text.match(NODE_IMPORT)?.[0], `${file}: a node: import`).toBeUndefined();
    expect(files.wasm).toHaveLength(1);
    expect(fetchedWasm(built, run)).toEqual(['infer.wasm']);
    expect(typeof run.result?.ok).toBe('string');
    expect((run.result!.ok as string).length).toBe(64 * 10 * 8);
    expect(run.result!.ok).toBe(node.inferPredict);
  });
});

it('the esbuild inference app (minified) ships JS + wasm within 30 KB gzipped', () => {
  const row = rows.find((r) => r.bundler === 'esbuild' && r.app === 'infer');
  expect(row, 'the esbuild inference app was not built').toBeDefined();
  expect(row!.files.wasm, 'the esbuild inference app ships infer.wasm').toHaveLength(1);
  expect(row!.files.jsGzip + row!.files.wasmGzip).toBeLessThanOrEqual(BUDGET);
});

function printTable(): void {
  const head = ['bundler', 'app', 'js files', 'js raw', 'js gz', 'wasm files', 'wasm raw', 'wasm gz', 'js+wasm gz', 'page loads gz', 'build ms', 'page ms'];
  const body = rows.map((r) => [
    r.bundler,
    r.app,
    String(Object.keys(r.files.js).length),
    String(r.files.jsRaw),
    String(r.files.jsGzip),
    String(r.files.wasm.length),
    String(r.files.wasmRaw),
    String(r.files.wasmGzip),
    String(r.files.jsGzip + r.files.wasmGzip),
    String(r.loadedGzip),
    String(r.buildMs),
    String(r.pageMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(
    [
      'Bundle sizes (bytes; gz = gzip -9 per file, summed; "js+wasm" = every .js/.wasm emitted, "page loads" = the ones the page requested).',
      `Budget: esbuild inference app js+wasm gz <= ${BUDGET}.`,
      line(head),
      '|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|',
      ...body.map(line),
      ...rows.map((r) => `${r.bundler}/${r.app}: ${[...Object.keys(r.files.js), ...r.files.wasm].join(', ')}`),
    ].join('\n'),
  );
}
