// Tests import src/ directly; in Node the package's `node` entry (src/node.ts) would install
// the Node platform (files through node:fs, worker_threads). Do the same here.
import { setPlatform } from '../src/platform.js';
import { nodePlatform } from '../src/platform.node.js';

setPlatform(nodePlatform);
