// Trains a fixed network with a fixed seed in a fresh process and prints its weight bits as
// hex, for test/determinism.test.ts. Uses the built package (dist/), as a user would.
import { Network } from 'wasm-mlp';
import { trainFixed } from './determinism-task.mjs';

const backend = process.argv[2] ?? 'wasm';
process.stdout.write(await trainFixed(Network, backend));
