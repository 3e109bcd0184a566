// wasm-mlp/infer for Node, Deno and Bun (the `node` export condition): the same entry, with
// files read through node:fs (and no worker or os code: serving runs no threads).

import { setPlatform } from './platform.js';
import { nodeFilesPlatform } from './platform.node-files.js';

setPlatform(nodeFilesPlatform);

export * from './infer.js';
