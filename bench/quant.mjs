// int8 inference against the float32 path (issue 14): batch 256 and batch 1 on 784-128-10 and
// 784-512-512-10 (relu, softmax; the W2 inputs of bench/run.js: uniform [0, 1)), the two
// sides alternated in rounds, best round quoted; and ONNX Runtime Web on a dynamically
// quantized export of the same network (bench/models/, made by bench/quant-onnx.py) where
// the file exists. Standalone: `node bench/quant.mjs [--quick]`; bench/run.js calls runQuant.
import { Network } from 'wasm-mlp';
import { existsSync, readFileSync } from 'node:fs';
import { data } from './data.mjs';


const mlp = (hidden) =>
  Network.create({
    inputSize: 784,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    seed: 1,
    threads: 1,
  });

/** Microseconds per call of fn, best of `rounds` timed runs of `reps` calls. */
function timeCall(fn, reps) {
  const t = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return ((performance.now() - t) * 1000) / reps;
}

async function ortSession(file) {
  if (!existsSync(file)) return null;
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    return { ort, session: await ort.InferenceSession.create(readFileSync(file)) };
  } catch (e) {
    return { error: e.message };
  }
}

/** Runs the comparison; returns the rows it printed. */
export async function runQuant({ quick = false, log = console.log } = {}) {
  const rounds = quick ? 5 : 15;
  const rows = [];
  for (const hidden of [[128], [512, 512]]) {
    const shape = `784-${hidden.join('-')}-10`;
    const net = await mlp(hidden);
    const q = await net.quantize({ calibration: data(256, 784, 9) });
    const ort = await ortSession(new URL(`./models/${shape}.int8.onnx`, import.meta.url).pathname);
    for (const batch of [256, 1]) {
      const x = data(batch, 784, 2 + batch);
      const outF = new Float32Array(batch * 10);
      const outQ = new Float32Array(batch * 10);
      // predict allocates its output; predictBatch is the serving call, the same for both.
      const float = () => net.predict(x);
      const int8 = () => q.predict(x);
      const reps = Math.max(1, Math.round((batch === 1 ? 2000 : 20) * (hidden.length > 1 ? 0.25 : 1)));
      for (let i = 0; i < 3; i++) float(), int8(); // out of V8's baseline tier
      let tf = Infinity;
      let tq = Infinity;
      for (let r = 0; r < rounds; r++) {
        tf = Math.min(tf, timeCall(float, reps));
        tq = Math.min(tq, timeCall(int8, reps));
      }
      let ortUs = null;
      if (ort?.session) {
        const input = new ort.ort.Tensor('float32', x, [batch, 784]);
        const name = ort.session.inputNames[0];
        for (let i = 0; i < 3; i++) await ort.session.run({ [name]: input });
        ortUs = Infinity;
        for (let r = 0; r < rounds; r++) {
          const t = performance.now();
          for (let i = 0; i < reps; i++) await ort.session.run({ [name]: input });
          ortUs = Math.min(ortUs, ((performance.now() - t) * 1000) / reps);
        }
      }
      void outF, void outQ;
      const row = { shape, batch, floatUs: tf, int8Us: tq, speedup: tf / tq, ortInt8Us: ortUs };
      rows.push(row);
      log(
        `int8 ${shape} batch ${String(batch).padStart(3)}: float32 ${tf.toFixed(1)} us, int8 ${tq.toFixed(1)} us, ` +
          `int8/float32 time ${(tq / tf).toFixed(2)} (speed-up ${(tf / tq).toFixed(2)}x)` +
          (ortUs !== null ? `; ORT Web int8 (MatMulInteger) ${ortUs.toFixed(1)} us, ours ${(ortUs / tq).toFixed(2)}x faster` : ort?.error ? `; ORT Web: ${ort.error}` : '; ORT Web int8: no model file'),
      );
    }
    ort?.session?.release();
    q.dispose();
    net.dispose();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadavg } = await import('node:os');
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await runQuant({ quick: process.argv.includes('--quick') });
}
