// The playground page (examples/playground) as a person uses it, in headless Chromium: built
// with Vite against the packed package (as a user installs it), served cross-origin isolated
// from 127.0.0.1, then: train digits for two epochs and read the test accuracy off the page,
// draw a "1" with the mouse and read the prediction, cancel a slow run, race the two backends.
// A screenshot of the final page goes to reports/playground.png.
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ISOLATION, launchChromium, serveFolder } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));

let site = '';
let server: Server;
let browser: Browser;
let page: Page;
let origin = '';
const problems: string[] = [];

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'wasm-mlp-playground-'));
  // The config reads the package folder from the environment when it loads.
  process.env.WASM_MLP_PACKAGE = join(inject('packedApp'), 'node_modules', 'wasm-mlp');
  const { build } = await import('vite');
  const t = performance.now();
  await build({
    configFile: join(root, 'examples', 'playground', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: site, emptyOutDir: true },
  });
  console.log(`playground: vite build ${Math.round(performance.now() - t)} ms`);
  ({ server, origin } = await serveFolder(site, ISOLATION));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
  await page.goto(origin + '/');
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (site) rmSync(site, { recursive: true, force: true });
});

/** The run's final status line ("Trained ..." or "Cancelled ...") once Train is enabled again. */
async function waitForRun(timeout: number): Promise<string> {
  await page.waitForFunction(() => !(document.getElementById('train') as HTMLButtonElement).disabled, null, { timeout });
  return (await page.textContent('#status')) ?? '';
}

/** Draws a stroke through the points (fractions of the pad's width and height) with the mouse. */
async function drawStroke(points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    for (let s = 1; s <= 8; s++) await page.mouse.move(...at([x0 + ((x1 - x0) * s) / 8, y0 + ((y1 - y0) * s) / 8]));
  }
  await page.mouse.up();
}

/** The prediction once it has settled: class, and the probabilities the list shows. */
async function prediction(): Promise<{ cls: number; probabilities: number[]; text: string }> {
  await page.waitForFunction(() => document.getElementById('prediction')!.dataset.class !== undefined, null, { timeout: 10_000 });
  await page.waitForTimeout(200); // a stroke's last move may still be in flight
  return page.evaluate(() => ({
    cls: Number(document.getElementById('prediction')!.dataset.class),
    probabilities: Array.from(document.querySelectorAll<HTMLElement>('#probabilities li'), (li) => Number(li.dataset.p)),
    text: document.getElementById('prediction')!.textContent ?? '',
  }));
}

describe('the playground page', () => {
  it('trains two epochs of digits to a test accuracy >= 0.85, shown on the page and in its confusion matrix, with a live plot', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.inputValue('#dataset')).toBe('digits');
    await page.fill('#epochs', '2');
    const t = performance.now();
    await page.click('#train');
    const status = await waitForRun(60_000);
    console.log(`playground: two digits epochs, click to result ${Math.round(performance.now() - t)} ms: ${status}`);
    expect(status).toMatch(/^Trained 2 epochs in [\d.]+ s · [\d,]+ samples\/s · 101,770 parameters$/);

    const shown = await page.evaluate(() => {
      const out = document.getElementById('test-accuracy')!;
      const cells = Array.from(document.querySelectorAll('#confusion tr'), (tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.textContent))).slice(1);
      return { text: out.textContent ?? '', value: Number(out.dataset.value), cells, points: Number(document.getElementById('plot')!.dataset.points) };
    });
    expect(shown.value).toBeGreaterThanOrEqual(0.85);
    expect(shown.text).toBe(shown.value.toFixed(4));
    // The matrix is of the same 2,004 test digits, and its diagonal is the accuracy shown.
    expect(shown.cells).toHaveLength(10);
    const total = shown.cells.flat().reduce((a, b) => a + b, 0);
    const correct = shown.cells.reduce((sum, row, i) => sum + row[i], 0);
    expect(total).toBe(2004);
    expect(correct / total).toBeCloseTo(shown.value, 12);
    // About 50 training points per epoch plus one test point per epoch, all drawn by uPlot.
    expect(shown.points).toBeGreaterThanOrEqual(2 * 40);
    const legend = await page.locator('#plot .u-legend').count();
    expect(legend).toBe(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it('predicts a "1" drawn on the pad with the mouse, with probabilities that sum to 1', async () => {
    await drawStroke([[0.5, 0.12], [0.5, 0.88]]);
    const one = await prediction();
    expect(one.probabilities).toHaveLength(10);
    expect(one.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(one.cls, one.text).toBe(1);
    expect(Math.max(...one.probabilities)).toBe(one.probabilities[1]);
    // What the network saw: the stroke scaled into the 20x20 box and centred by mass.
    const ink = await page.evaluate(() => {
      const data = (document.getElementById('preview') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      const rows: number[] = [];
      for (let y = 0; y < 28; y++) {
        let dark = 0;
        for (let x = 0; x < 28; x++) if (data[4 * (y * 28 + x)] < 255) dark++;
        rows.push(dark);
      }
      return rows;
    });
    const inked = ink.map((d, y) => (d > 0 ? y : -1)).filter((y) => y >= 0);
    expect(inked[inked.length - 1] - inked[0] + 1).toBe(20);

    await page.click('#clear');
    await drawStroke([[0.2, 0.15], [0.8, 0.15], [0.45, 0.9]]);
    const seven = await prediction();
    expect(seven.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(seven.cls, seven.text).toBe(7);
    expect(problems).toEqual([]);
  }, 30_000);

  it('Cancel stops a slow pure-JS run within a batch, and the page stays usable', async () => {
    await page.selectOption('#backend', 'js');
    await page.fill('#epochs', '20');
    await page.click('#train');
    await page.waitForFunction(() => /^epoch \d+\/20/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 30_000 });
    const t = performance.now();
    await page.click('#cancel');
    const status = await waitForRun(10_000);
    const ms = performance.now() - t;
    console.log(`playground: cancel to idle ${Math.round(ms)} ms: ${status}`);
    // The worker stopped itself (the cancel flag in shared memory, read after every batch): it
    // reports the samples it trained, which the 1.5 s fallback (terminating the worker) cannot.
    const match = /^Cancelled after ([\d.]+) epochs/.exec(status);
    expect(match, status).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    expect(Number(match![1])).toBeLessThan(20);
    expect(ms).toBeLessThan(1_000);
    expect(await page.isDisabled('#cancel')).toBe(true);
    expect(await page.textContent('#test-accuracy')).toBe('-');
    // The page goes on: the network trained so far still answers the pad.
    await page.click('#clear');
    await drawStroke([[0.5, 0.12], [0.5, 0.88]]);
    const p = await prediction();
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await page.selectOption('#backend', 'wasm');
    expect(problems).toEqual([]);
  }, 60_000);

  it('races the wasm and pure-JS backends side by side and shows both rates and their ratio', async () => {
    await page.fill('#race-epochs', '1');
    const t = performance.now();
    await page.click('#race-start');
    await page.waitForFunction(() => document.getElementById('race-ratio')!.dataset.value !== undefined, null, { timeout: 60_000 });
    const race = await page.evaluate(() => ({
      wasm: Number(document.querySelector<HTMLElement>('#lane-wasm .rate')!.dataset.value),
      js: Number(document.querySelector<HTMLElement>('#lane-js .rate')!.dataset.value),
      wasmText: document.querySelector('#lane-wasm .rate')!.textContent,
      jsText: document.querySelector('#lane-js .rate')!.textContent,
      ratio: Number(document.getElementById('race-ratio')!.dataset.value),
      ratioText: document.getElementById('race-ratio')!.textContent,
    }));
    console.log(`playground: race ${Math.round(performance.now() - t)} ms: wasm ${race.wasmText}, JS ${race.jsText}, ratio ${race.ratioText}`);
    expect(race.wasm).toBeGreaterThan(0);
    expect(race.js).toBeGreaterThan(0);
    expect(race.wasmText).toMatch(/^[\d,]+ samples\/s$/);
    expect(race.jsText).toMatch(/^[\d,]+ samples\/s$/);
    expect(race.ratio).toBeCloseTo(race.wasm / race.js, 9);
    // The SIMD core is several times faster than plain JS on this 784-128-10 net (about 10x here).
    expect(race.ratio).toBeGreaterThan(2);
    expect(problems).toEqual([]);
  }, 90_000);

  it('ends in a state worth a screenshot: three epochs trained, a 7 drawn (reports/playground.png)', async () => {
    await page.fill('#epochs', '3');
    await page.click('#train');
    expect(await waitForRun(60_000)).toMatch(/^Trained 3 epochs/);
    await page.click('#clear');
    await drawStroke([[0.2, 0.15], [0.8, 0.15], [0.45, 0.9]]);
    expect((await prediction()).cls).toBe(7);
    expect(problems).toEqual([]);
    mkdirSync(join(root, 'reports'), { recursive: true });
    await page.screenshot({ path: join(root, 'reports', 'playground.png'), fullPage: true });
  }, 90_000);
});
