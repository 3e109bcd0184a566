// Reading files in Node, Deno and Bun, and nothing else: what the inference entry needs of
// src/platform.node.ts. It has no node:os or node:worker_threads import and no worker code
// (the inference entry runs no threads), which keeps `wasm-mlp/infer`'s start-up short. Its
// two builtins are imported when first used, not with the entry: each static import cost
// about 0.4 ms of a fresh process's start, and an edge function handed a precompiled module
// never reads a file (bench/notes/cold.md).

import type { Platform } from './platform.js';

export const nodeFilesPlatform: Platform = {
  readFile: async (url) => new Uint8Array(await (await import('node:fs/promises')).readFile(url)),
  baseUrl: async () => (await import('node:url')).pathToFileURL(process.cwd() + '/').href,
  hardwareThreads: () => 1,
  sharedByDefault: false,
};
