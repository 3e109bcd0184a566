// The package in a real browser: Debian's Chromium, headless, driven by playwright-core. The
// page imports dist/ over HTTP (wasm fetched, compiled and instantiated the browser way),
// trains, and must produce the very bits Node produces (DESIGN: same seed, same weights in
// every runtime). Chromium is installed with apt-get when missing (CI starts without it).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { ISOLATION, TYPES, launchChromium } from './chromium.js';
import { Network } from '../src/index.js';
// @ts-expect-error: plain ESM helper shared with the page and the child script
import { trainFixed } from './determinism-task.mjs';
// @ts-expect-error: plain ESM helper shared with the page and the child script
import { trainThreaded } from './threads-task.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const PAGE = `<!doctype html><html><head>
<script type="module" src="/test/browser-page.js"></script></head><body></body></html>`;
/** The threads page, bundled from src/ in beforeAll into a folder beside dist/ and build/. */
const THREADS_PAGE = PAGE.replace('/test/browser-page.js', '/.test-pages/threads.js');
const KILL_PAGE = PAGE.replace('/test/browser-page.js', '/.test-pages/kill.js');
/** A page that runs test/browser-worker.js in a module Worker and keeps its answer. */
const WORKER_PAGE = `<!doctype html><html><head><script type="module">
const w = new Worker('/test/browser-worker.js', { type: 'module' });
w.onmessage = (e) => { window.__result = e.data; };
w.onerror = (e) => { window.__result = { error: 'worker error: ' + e.message }; };
</script></head><body></body></html>`;

/**
 * wasm-mlp/lite in a page, as its docs say to use it there: the page compiles infer.wasm
 * itself (compileStreaming of fetch), saves a trained network and serves it with lite; the
 * full entry's predictions of the same rows, and lite's, as hex.
 */
const LITE_PAGE = `<!doctype html><html><head><script type="module">
import { Network } from '/dist/index.js';
import { init, load } from '/dist/lite.js';
const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
try {
  const net = await Network.create({ inputSize: 3, layers: [{ units: 6, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 5 });
  const x = Float32Array.from({ length: 3 * 300 }, (_, i) => Math.sin(i));
  await net.fit(x, Int32Array.from({ length: 300 }, (_, i) => i % 2), { epochs: 3 });
  await init(await WebAssembly.compileStreaming(fetch('/build/infer.wasm')));
  const served = load(net.save());
  window.__result = { full: hex(net.predict(x)), lite: hex(served.predict(x)), rows: served.predict(x).length / 2 };
} catch (e) {
  window.__result = { error: String(e && e.stack ? e.stack : e) };
}
</script></head><body></body></html>`;

let server: Server;
let browser: Browser;
let origin = '';

beforeAll(async () => {
  const { build } = await import('esbuild');
  await build({
    entryPoints: { threads: join(root, 'test', 'browser-threads-page.js'), kill: join(root, 'test', 'browser-kill-page.js') },
    outdir: join(root, '.test-pages'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'warning',
  });
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/' ? {} : ISOLATION) }).end(PAGE);
      return;
    }
    if (path === '/worker' || path === '/worker-isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/worker' ? {} : ISOLATION) }).end(WORKER_PAGE);
      return;
    }
    if (path === '/lite') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(LITE_PAGE);
      return;
    }
    if (path === '/kill-isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...ISOLATION }).end(KILL_PAGE);
      return;
    }
    if (path === '/threads' || path === '/threads-isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/threads' ? {} : ISOLATION) }).end(THREADS_PAGE);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await launchChromium();
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('in Chromium', () => {
  /** Opens `path`, waits for the page's window.__result and returns it; the page threw nothing. */
  async function pageResult<T>(path: string): Promise<T> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(origin + path);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as T;
    await page.close();
    expect(errors).toEqual([]);
    return result;
  }

  it('loads over HTTP, learns XOR, and trains to the same bits as Node [consistency only]', async () => {
    const result = await pageResult<{ hex?: string; xor?: number[]; error?: string }>('/');
    expect(result.error).toBeUndefined();
    expect(result.xor!.map((v) => (v >= 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    const node: string = await trainFixed(Network, 'wasm');
    expect(result.hex!.length).toBeGreaterThan(100);
    expect(result.hex).toBe(node);
  }, 120_000);

  it('wasm-mlp/lite given infer.wasm compiled by the page predicts the full entry\'s bits [consistency only]', async () => {
    const result = await pageResult<{ full?: string; lite?: string; rows?: number; error?: string }>('/lite');
    expect(result.error).toBeUndefined();
    expect(result.rows).toBe(300);
    expect(result.full!.length).toBe(300 * 2 * 8);
    expect(result.lite).toBe(result.full);
  }, 120_000);

  it('a cross-origin isolated page whose networks run on one thread fetches only the plain wasm', async () => {
    const page = await browser.newPage();
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(origin + '/isolated');
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: 60_000 });
    const result = (await page.evaluate(() => ({ ...(window as unknown as { __result: object }).__result, isolated: crossOriginIsolated }))) as {
      hex?: string; isolated?: boolean; error?: string;
    };
    await page.close();
    expect(result.error).toBeUndefined();
    expect(result.isolated).toBe(true);
    expect(fetched.filter((p) => p.endsWith('.wasm'))).toEqual(['/build/wasm-mlp.wasm']);
    expect(fetched.filter((p) => p.includes('worker'))).toEqual([]);
    expect(result.hex).toBe(await trainFixed(Network, 'wasm'));
  }, 120_000);

  type ThreadsResult = { threads?: number; hex?: string; isolated?: boolean; warnings?: string[]; workerChunks?: number; error?: string };
  async function threadsPage(path: string): Promise<ThreadsResult> {
    const result = await pageResult<ThreadsResult>(path);
    expect(result.error).toBeUndefined();
    return result;
  }

  it('runs threads: 2 on Web Workers in a cross-origin isolated page, with the bits of one thread [consistency only]', async () => {
    const r = await threadsPage('/threads-isolated');
    const one: { hex: string } = await trainThreaded(Network, 1);
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.warnings).toEqual([]);
    expect(r.workerChunks).toBeGreaterThan(0);
    expect(r.hex).toBe(one.hex);
  }, 120_000);

  it('a pool worker terminated from outside mid-job: the page gets WORKER_FAILED after the 3 s stall bound, then one-thread bits [consistency only]', async () => {
    const r = await pageResult<{
      threadsBefore?: number; killed?: boolean; error?: { name?: string; code?: string; message: string }; ms?: number;
      threadsAfter?: number; same?: boolean; expectedLength?: number;
    }>('/kill-isolated');
    expect(r.threadsBefore).toBe(2);
    expect(r.killed).toBe(true);
    expect(r.error?.code, r.error?.message).toBe('WORKER_FAILED');
    expect(r.ms).toBeGreaterThanOrEqual(2_900);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.threadsAfter).toBe(1);
    expect(r.expectedLength).toBe(200 * 10 * 8);
    expect(r.same).toBe(true);
  }, 120_000);

  it('falls back to one thread with one warning in a page that is not isolated', async () => {
    const r = await threadsPage('/threads');
    const one: { hex: string } = await trainThreaded(Network, 1);
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings![0]).toMatch(/^wasm-mlp: running on 1 thread: .*(SharedArrayBuffer|cross-origin isolated)/);
    expect(r.hex).toBe(one.hex);
  }, 120_000);

  it('trains inside a module Web Worker to the same bits as Node, isolated or not [consistency only]', async () => {
    const node: string = await trainFixed(Network, 'wasm');
    for (const [path, isolated] of [['/worker', false], ['/worker-isolated', true]] as const) {
      const r = await pageResult<{ hex?: string; isolated?: boolean; error?: string }>(path);
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBe(isolated);
      expect(r.hex).toBe(node);
    }
  }, 120_000);
});
