// The package entry for Node, Deno and Bun (the `node` export condition): the public API of
// src/index.ts, with the Node platform installed (files through node:fs, worker_threads).

import { setPlatform } from './platform.js';
import { nodePlatform } from './platform.node.js';

setPlatform(nodePlatform);

export * from './index.js';
