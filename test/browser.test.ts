// The package in a real browser: Debian's Chromium, headless, driven by playwright-core. The
// page imports dist/ over HTTP (wasm fetched, compiled and instantiated the browser way),
// trains, and must produce the very bits Node produces (DESIGN: same seed, same weights in
// every runtime). Chromium is installed with apt-get when missing (CI starts without it).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { Network } from '../src/index.js';
// @ts-expect-error: plain ESM helper shared with the page and the child script
import { trainFixed } from './determinism-task.mjs';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const PAGE = `<!doctype html><html><head>
<script type="importmap">{ "imports": { "@assemblyscript/loader": "/node_modules/@assemblyscript/loader/index.js" } }</script>
<script type="module" src="/test/browser-page.js"></script></head><body></body></html>`;

let server: Server;
let browser: Browser;
let origin = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null', { stdio: 'inherit', timeout: 300_000 });
  }
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('in Chromium', () => {
  it('loads over HTTP, learns XOR, and trains to the same bits as Node', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as {
      hex?: string;
      xor?: number[];
      error?: string;
    };
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.xor!.map((v) => (v >= 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    const node: string = await trainFixed(Network, 'wasm');
    expect(result.hex!.length).toBeGreaterThan(100);
    expect(result.hex).toBe(node);
    await page.close();
  }, 120_000);
});
