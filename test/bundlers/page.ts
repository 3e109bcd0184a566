// Serving a bundle over HTTP on 127.0.0.1, opening it in (a shared) headless Chromium, and
// measuring what the bundle ships.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

export interface PageRun {
  /** window.__result: { ok } or { error }; null when the page never set it. */
  result: { ok?: unknown; error?: string } | null;
  /** Page errors, console errors, failed requests and HTTP >= 400 responses. */
  errors: string[];
  /** Paths the page requested from the server (200s), in order. */
  fetched: string[];
  ms: number;
}

/**
 * Serves `dist` (index.html at /) plus the app's data files `extra` (name -> file) on
 * 127.0.0.1, opens it in a new page of `browser`, waits for window.__result.
 */
export async function runPage(browser: Browser, dist: string, extra: Record<string, string>, timeout = 20_000): Promise<PageRun> {
  const t = performance.now();
  const root = resolve(dist);
  const fetched: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = extra[path.slice(1)] ?? resolve(root, '.' + path);
    if (!extra[path.slice(1)] && file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (file === root) file = join(root, 'index.html');
    try {
      const body = await readFile(file);
      fetched.push(path);
      // Cross-origin isolated, so that the full app's pool can start Web Workers on shared memory.
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout });
    const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageRun['result'];
    return { result, errors, fetched, ms: Math.round(performance.now() - t) };
  } catch (e) {
    return { result: null, errors: [...errors, String(e).split('\n')[0]], fetched, ms: Math.round(performance.now() - t) };
  } finally {
    await page.close();
    await new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    });
  }
}

export interface Shipped {
  /** Emitted .js files (relative to dist) and their text, for content checks. */
  js: Record<string, string>;
  wasm: string[];
  jsRaw: number;
  jsGzip: number;
  wasmRaw: number;
  wasmGzip: number;
}

/** Every .js/.mjs and .wasm file a build emitted, raw and gzip -9 (each file on its own). */
export function shipped(dist: string): Shipped {
  const out: Shipped = { js: {}, wasm: [], jsRaw: 0, jsGzip: 0, wasmRaw: 0, wasmGzip: 0 };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      const isJs = /\.m?js$/.test(name);
      if (!isJs && !name.endsWith('.wasm')) continue;
      const bytes = readFileSync(file);
      const gz = gzipSync(bytes, { level: 9 }).length;
      const rel = relative(dist, file).split(sep).join('/');
      if (isJs) {
        out.js[rel] = bytes.toString('utf8');
        out.jsRaw += bytes.length;
        out.jsGzip += gz;
      } else {
        out.wasm.push(rel);
        out.wasmRaw += bytes.length;
        out.wasmGzip += gz;
      }
    }
  };
  walk(dist);
  return out;
}
