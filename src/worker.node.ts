// The pool's worker script for Node's worker_threads.

import { parentPort } from 'node:worker_threads';
import { start } from './worker-core.js';
import type { WorkerStart } from './platform.js';

parentPort!.once('message', (msg: WorkerStart) => start(msg, (m) => parentPort!.postMessage(m)));
