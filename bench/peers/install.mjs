// The benchmark's peer libraries (TF.js with its wasm backend, brain.js, ONNX Runtime's native
// Node binding) are about 600 MB, needed only by `npm run bench`. They live in this folder's
// own package.json and lockfile and are installed here on first use, so `npm ci` of the project
// (and so `npm test` and CI) does not fetch them. Run directly to install them ahead of time.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const PEERS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'brain.js', 'onnxruntime-node'];

/** Installs the pinned peers into bench/peers/node_modules unless they are there already. */
export function installPeers() {
  if (PEERS.every((p) => existsSync(`${here}node_modules/${p}/package.json`))) return;
  console.error('npm run bench: installing the peer libraries it compares with (about 600 MB, once) into bench/peers/node_modules ...');
  // --ignore-scripts: onnxruntime-node's postinstall only fetches optional CUDA files.
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) installPeers();
