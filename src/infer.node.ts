// wasm-mlp/infer for Node, Deno and Bun (the `node` export condition): the same entry, with
// files read through node:fs.

import { setPlatform } from './platform.js';
import { nodePlatform } from './platform.node.js';

setPlatform(nodePlatform);

export * from './infer.js';
