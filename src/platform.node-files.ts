// Reading files in Node, Deno and Bun, and nothing else: what the inference entry needs of
// src/platform.node.ts. It has no node:os or node:worker_threads import and no worker code
// (the inference entry runs no threads), which keeps `wasm-mlp/infer`'s start-up short.

import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Platform } from './platform.js';

export const nodeFilesPlatform: Platform = {
  readFile: async (url) => new Uint8Array(await readFile(url)),
  baseUrl: () => pathToFileURL(process.cwd() + '/').href,
  hardwareThreads: () => 1,
  sharedByDefault: false,
};
