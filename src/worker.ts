// The pool's worker script for module Workers (browsers, Deno, Bun). No top-level await and
// no Node import, so every bundler and runtime takes it as it is.

import { start } from './worker-core.js';
import type { WorkerStart } from './platform.js';

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  addEventListener(type: 'message', fn: (e: { data: WorkerStart }) => void, options: { once: boolean }): void;
};
scope.addEventListener('message', (e) => start(e.data, (m) => scope.postMessage(m)), { once: true });
