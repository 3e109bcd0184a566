// One cold start of the inference entry in a fresh process (Node, Deno or Bun; run by
// bench/cold-start.mjs): import + init + load of a saved model + first prediction, timed
// inside the process, in ms as JSON on stdout. The model file is read before the clock starts.
import { readFileSync } from 'node:fs';

const model = new Uint8Array(readFileSync(process.argv[2]));
const t0 = performance.now();
const { init, InferenceNetwork } = await import('../dist/infer.node.js');
const t1 = performance.now();
await init();
const t2 = performance.now();
const net = await InferenceNetwork.load(model);
const t3 = performance.now();
const out = net.predict(new Float32Array(net.inputSize).fill(0.5));
const t4 = performance.now();
if (!(out.length === net.outputSize && out.every(Number.isFinite))) throw new Error('bad prediction');
process.stdout.write(JSON.stringify({ import: t1 - t0, init: t2 - t1, load: t3 - t2, predict: t4 - t3, total: t4 - t0 }));
