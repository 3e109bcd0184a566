// One cold start of the inference entry in a fresh process (Node, Deno or Bun; run by
// bench/cold-start.mjs): import + init + load of a saved model + first prediction, timed
// inside the process, in ms as JSON on stdout. The model file is read before the clock starts.
// Usage: cold-start-child.mjs model.bin [module | default] [package root]
//   module  (the target) build/infer.wasm is compiled to a WebAssembly.Module before
//           the clock starts and handed to init, as workerd and Vercel's edge hand one over;
//   default init() reads and compiles the package's own build/infer.wasm inside the clock.
// The package root (default: this checkout) lets bench/cold-start.mjs --against time another
// checkout's build in the same way.
import { readFileSync } from 'node:fs';

const [file, mode = 'module', root = new URL('..', import.meta.url).href] = process.argv.slice(2);
const base = new URL(root.endsWith('/') ? root : `${root}/`, 'file:///');
const model = new Uint8Array(readFileSync(file));
const module = mode === 'module' ? new WebAssembly.Module(readFileSync(new URL('build/infer.wasm', base))) : undefined;
const t0 = performance.now();
const { init, InferenceNetwork } = await import(new URL('dist/infer.node.js', base).href);
const t1 = performance.now();
await init(module);
const t2 = performance.now();
const net = await InferenceNetwork.load(model);
const t3 = performance.now();
const out = net.predict(new Float32Array(net.inputSize).fill(0.5));
const t4 = performance.now();
if (!(out.length === net.outputSize && out.every(Number.isFinite))) throw new Error('bad prediction');
process.stdout.write(JSON.stringify({ import: t1 - t0, init: t2 - t1, load: t3 - t2, predict: t4 - t3, total: t4 - t0 }));
