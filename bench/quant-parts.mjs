// Where a batch-256 (or batch-1) predict goes, float32 vs int8 (issue 14 round 2): the whole
// predict, then the core's exported pieces called one by one on the same regions (input copy
// + finiteness check, forward, and for int8 each layer's quantizeRows, gemmInt8 and
// activation), alternated in rounds, best round. `node bench/quant-parts.mjs [batch]`.
import { Network } from 'wasm-mlp';
import { data } from './data.mjs';

const batch = Number(process.argv[2] ?? 256);
const q_ = { QNET_X: 4, QNET_Q: 5, H: 12, W: 12, IN: 0, OUT: 1, ACT: 2, ALPHA: 3, INV: 4, KP: 5, WP: 6, SCALE: 7, BIAS: 8, Z: 9, A: 10 };

function best(parts, rounds, reps) {
  const t = Object.fromEntries(Object.keys(parts).map((k) => [k, Infinity]));
  for (const f of Object.values(parts)) for (let i = 0; i < 3; i++) f();
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(parts)) {
      const s = performance.now();
      for (let i = 0; i < reps; i++) f();
      t[k] = Math.min(t[k], ((performance.now() - s) * 1000) / reps);
    }
  }
  return t;
}

for (const hidden of [[128], [512, 512]]) {
  const shape = `784-${hidden.join('-')}-10`;
  const net = await Network.create({
    inputSize: 784,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy', seed: 1, threads: 1,
  });
  const q = await net.quantize({ calibration: data(256, 784, 9) });
  const x = data(batch, 784, 2 + batch);
  const out = new Float32Array(batch * 10);
  q.predictBatch(x, out);
  net.predict(x);
  const qc = q.core;
  const e = qc.rt.core;
  const mem = () => qc.rt.memory.buffer;
  const u32 = () => new Uint32Array(mem());
  const f32v = () => new Float32Array(mem());
  const word = (i) => u32()[(qc.net >>> 2) + i];
  const lw = (l, i) => word(q_.H + l * q_.W + i);
  const lf = (l, i) => f32v()[(qc.net >>> 2) + q_.H + l * q_.W + i];
  const X = word(q_.QNET_X);
  const Q = word(q_.QNET_Q);
  const fe = net.engine;
  const fX = new Uint32Array(fe.rt.memory.buffer)[(fe.net >>> 2) + 11];
  const parts = {
    'float predict': () => net.predict(x),
    'float forward (core)': () => fe.rt.core.forward(fe.net, batch),
    'float forward, sparse path off': () => { const was = fe.rt.core.setSparsePath(0); fe.rt.core.forward(fe.net, batch); fe.rt.core.setSparsePath(was); },
    'int8 predict': () => q.predict(x),
    'int8 predictBatch': () => q.predictBatch(x, out),
    'int8 QuantCore.predict': () => qc.predict(x, batch, out, 'x'),
    'float engine.predict': () => fe.predict(x, batch, out, 'x'),
    'int8 forwardQuantized': () => e.forwardQuantized(qc.net, batch),
    'input copy+check (int8)': () => { f32v().set(x, X >>> 2); e.firstNonFinite(X, batch * 784); },
    'input copy only (int8)': () => f32v().set(x, X >>> 2),
    'input check only (int8)': () => e.firstNonFinite(X, batch * 784),
    'input copy+check (float)': () => { new Float32Array(fe.rt.memory.buffer).set(x, fX >>> 2); fe.rt.core.firstNonFinite(fX, batch * 784); },
  };
  const L = hidden.length + 1;
  // The pieces forwardQuantized runs, in order (the others are measured for comparison).
  const pipeline = [];
  for (let l = 0; l < L; l++) {
    const K = lw(l, q_.IN), N = lw(l, q_.OUT), Kp = lw(l, q_.KP);
    const input = l === 0 ? X : lw(l - 1, q_.A) || lw(l - 1, q_.Z);
    const inv = lf(l, q_.INV), act = lw(l, q_.ACT), alpha = lf(l, q_.ALPHA);
    const fusedBefore = l > 0 && lw(l - 1, q_.ACT) === 3;
    parts[`L${l} quantizeRows ${K}${fusedBefore ? ' (unfused, comparison)' : ''}`] = () => e.quantizeRows(Q, input, batch, K, Kp, inv);
    if (l === 0) pipeline.push(`L${l} quantizeRows ${K}`);
    parts[`L${l} gemmInt8 ${N}x${K}`] = () => e.gemmInt8(batch, N, Kp, Q, lw(l, q_.WP), lw(l, q_.SCALE), lw(l, q_.BIAS), lw(l, q_.Z));
    pipeline.push(`L${l} gemmInt8 ${N}x${K}`);
    const A = lw(l, q_.A) || lw(l, q_.Z) + 0; // a fused relu layer has no A region: time it in place
    parts[`L${l} activationForward ${act}${act === 7 || (act === 3 && l + 1 < L) ? ' (comparison)' : ''}`] = () => e.activationForward(act, alpha, lw(l, q_.Z), act === 3 && l + 1 < L ? lw(l, q_.Z) : A, batch, N);
    if (act === 7) {
      parts[`L${l} softmaxRows`] = () => e.softmaxRows(lw(l, q_.Z), A, batch, N);
      pipeline.push(`L${l} softmaxRows`);
    } else if (act === 3 && l + 1 < L) {
      parts[`L${l} relu + next quantize (quantizeReluRows)`] = () => e.quantizeReluRows(Q, lw(l, q_.Z), batch, N, lw(l + 1, q_.KP), lf(l + 1, q_.INV));
      pipeline.push(`L${l} relu + next quantize (quantizeReluRows)`);
    } else {
      pipeline.push(`L${l} activationForward ${act}`);
      if (l + 1 < L) pipeline.push(`L${l + 1} quantizeRows ${N}`);
    }
  }
  const reps = batch === 1 ? 2000 : hidden.length > 1 ? 5 : 20;
  const t = best(parts, batch === 1 ? 15 : 10, reps);
  console.log(`${shape} batch ${batch}`);
  for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(44)} ${v.toFixed(2).padStart(9)} us`);
  const sum = pipeline.reduce((acc, k) => acc + t[k], 0);
  console.log(`  sum of forwardQuantized's pieces ${sum.toFixed(2).padStart(9)} us; float/int8 predict ${(t['float predict'] / t['int8 predict']).toFixed(2)}x, forward ${(t['float forward (core)'] / t['int8 forwardQuantized']).toFixed(2)}x`);
  q.dispose();
  net.dispose();
}
