// Runs inside a module Web Worker in Chromium (test/browser.test.ts): the package entry loaded
// in a worker, where inference and training usually live in web apps. Reports the trained
// bits of the shared determinism task and whether the worker had shared memory.
import { Network } from '/dist/index.js';
import { trainFixed } from '/test/determinism-task.mjs';

try {
  const hex = await trainFixed(Network, 'wasm');
  postMessage({ hex, isolated: self.crossOriginIsolated === true });
} catch (e) {
  postMessage({ error: String(e && e.stack ? e.stack : e) });
}
