// Runs in Chromium (test/browser.test.ts) with threads: 2. Served cross-origin isolated, the
// pool's workers are browser Web Workers on one shared memory; served without isolation, the
// network must fall back to one thread with a one-line warning. Either way the bits must be
// the single-threaded ones.
// Bundled from src/ by test/browser.test.ts (esbuild), so that the page reaches the pool's
// counters through src/wasm.ts in the same module instance as the Network it trains.
import { Network } from '../src/index.ts';
import { initThreads } from '../src/wasm.ts';
import { trainThreaded } from './threads-task.mjs';

const warnings = [];
const warn = console.warn;
console.warn = (...args) => {
  warnings.push(args.join(' '));
  warn(...args);
};
try {
  // Isolated: make every job wait for a worker's chunk, so that "the workers took part" does
  // not depend on how the machine schedules threads.
  const rt = window.crossOriginIsolated ? await initThreads(1) : null;
  if (rt) rt.pool.workersFirst = true;
  const r = await trainThreaded(Network, 2);
  window.__result = { ...r, isolated: window.crossOriginIsolated, warnings, workerChunks: rt ? rt.pool.workerChunks : 0 };
} catch (e) {
  window.__result = { error: String(e && e.stack ? e.stack : e) };
}
