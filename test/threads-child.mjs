// Runs the threaded task on the built package in a fresh process, in one of two settings:
//   no-sab: SharedArrayBuffer removed, as in a page that is not cross-origin isolated: the
//           network must fall back to one thread with a warning.
//   shim:   a global Worker that never answers, as ONNX Runtime Web's Node build installs:
//           Node must still use worker_threads and run on 2 threads.
import { trainThreaded } from './threads-task.mjs';

const mode = process.argv[2];
if (mode === 'no-sab') delete globalThis.SharedArrayBuffer;
if (mode === 'shim') globalThis.Worker = class { postMessage() {} };
const { Network } = await import('wasm-mlp');
const a = await trainThreaded(Network, 2);
const b = await trainThreaded(Network, mode === 'shim' ? 2 : 4);
process.stdout.write(JSON.stringify({ a, b }));
