// Runs the threaded task on the built package with SharedArrayBuffer removed, as in a page
// that is not cross-origin isolated: the network must fall back to one thread with a warning.
import { trainThreaded } from './threads-task.mjs';
delete globalThis.SharedArrayBuffer;
const { Network } = await import('wasm-mlp');
const a = await trainThreaded(Network, 2);
const b = await trainThreaded(Network, 4);
process.stdout.write(JSON.stringify({ a, b }));
