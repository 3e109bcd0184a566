// One cold start of a serving entry in a fresh process (Node, Deno or Bun; run by
// bench/cold-start.mjs): import + init + load of a saved model + first prediction, timed
// inside the process, in ms as JSON on stdout. The model file is read before the clock starts.
// Usage: cold-start-child.mjs model.bin [module | default | lite | floor] [package root | floor bundle]
//   module  (the target) build/infer.wasm is compiled to a WebAssembly.Module before
//           the clock starts and handed to init, as workerd and Vercel's edge hand one over;
//   default init() reads and compiles the package's own build/infer.wasm inside the clock;
//   lite    wasm-mlp/lite (dist/lite.js) given the precompiled module: init + load + predict;
//   floor   the bundle of bench/cold-floor.ts (its path is the last argument), given the
//           precompiled module: the same work with none of the library's checks.
// The package root (default: this checkout) lets bench/cold-start.mjs --against time another
// checkout's build in the same way.
import { readFileSync } from 'node:fs';

const [file, mode = 'module', root = new URL('..', import.meta.url).href] = process.argv.slice(2);
const base = new URL(root.endsWith('/') ? root : `${root}/`, 'file:///');
const here = new URL('..', import.meta.url);
const model = new Uint8Array(readFileSync(file));
const module = mode === 'default' ? undefined : new WebAssembly.Module(readFileSync(new URL('build/infer.wasm', mode === 'floor' ? here : base)));
const entry = { module: 'dist/infer.node.js', default: 'dist/infer.node.js', lite: 'dist/lite.js' }[mode];
const t0 = performance.now();
const api = await import(mode === 'floor' ? new URL(root, 'file:///').href : new URL(entry, base).href);
const t1 = performance.now();
await api.init(module);
const t2 = performance.now();
const net = mode === 'lite' ? api.load(model) : await api.InferenceNetwork.load(model);
const t3 = performance.now();
const out = net.predict(new Float32Array(net.inputSize).fill(0.5));
const t4 = performance.now();
if (!(out.length === net.outputSize && out.every(Number.isFinite))) throw new Error('bad prediction');
process.stdout.write(JSON.stringify({ import: t1 - t0, init: t2 - t1, load: t3 - t2, predict: t4 - t3, total: t4 - t0, phases: api.phases }));
