// Raw int8 kernel vs float32 GEMM (issue 14 round 2): the core's exports called directly on
// one 256 x 784 x 128 product, variants alternated in rounds, best round quoted.
// `node bench/quant-kernel.mjs [M N K]` (after `npm run asbuild`: all four builds).
import { readFileSync } from 'node:fs';

const [M, N, K] = process.argv.slice(2, 5).map(Number).filter(Boolean).length === 3 ? process.argv.slice(2, 5).map(Number) : [256, 128, 784];
// The threads build on a shared memory: what Node's default runtime loads (src/wasm.ts).
const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
const wasm = readFileSync(new URL('../build/wasm-mlp.threads.wasm', import.meta.url));
const { instance } = await WebAssembly.instantiate(wasm, { env: { memory, abort() { throw new Error('abort'); }, seed: () => 1, now: () => performance.now() } });
const e = instance.exports;
let top = 1 << 16;
const alloc = (bytes) => { const p = top; top += (bytes + 127) & ~63; return p; };
const Kp = K + (K & 1);
const pad8 = (n) => Math.ceil(n / 8) * 8;
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const int = () => Math.floor(rnd() * 255) - 127;

const pa = alloc(M * Kp * 2), pai = alloc(M * Kp * 2), pw = alloc(N * K), pp = alloc(e.packedInt8Bytes(N, K));
const ps = alloc(pad8(N) * 4), pb = alloc(pad8(N) * 4), pc = alloc(M * N * 4 + 64), pc2 = alloc(M * N * 4 + 64);
const fa = alloc(M * K * 4), fw = alloc(N * K * 4), fp = alloc(e.packedSize(K, N) * 4), fc = alloc(M * N * 4), tile = alloc(256);
const buf = () => memory.buffer;
const a = new Int16Array(buf(), pa, M * Kp);
for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) a[i * Kp + k] = int();
const ai = new Int16Array(buf(), pai, M * Kp);
for (let g = 0; g < M; g += 4) {
  const R = Math.min(4, M - g);
  for (let r = 0; r < R; r++) for (let k = 0; k < Kp; k++) ai[g * Kp + (k >> 1) * 2 * R + r * 2 + (k & 1)] = a[(g + r) * Kp + k];
}
new Int8Array(buf(), pw, N * K).forEach((_, i, arr) => (arr[i] = int()));
e.packInt8Weights(pp, pw, N, K);
new Float32Array(buf(), ps, pad8(N)).forEach((_, i, arr) => (arr[i] = rnd() * 1e-3));
new Float32Array(buf(), pb, pad8(N)).forEach((_, i, arr) => (arr[i] = rnd() - 0.5));
new Float32Array(buf(), fa, M * K).forEach((_, i, arr) => (arr[i] = rnd()));
new Float32Array(buf(), fw, N * K).forEach((_, i, arr) => (arr[i] = rnd() - 0.5));
e.packTransposed(fp, fw, N, K);

const variants = {
  float: () => e.gemm(M, N, K, fa, K, 1, fp, fc, N, pb, 1, tile),
  int8: () => e.gemmInt8(M, N, Kp, pa, pp, ps, pb, pc),
};
// Experimental kernels (same arguments as gemmInt8; `pai` holds A interleaved in 4-row groups,
// pair p of row r at 16 p + 4 r) are added here when the build exports them.
if (e.gemmInt8X) variants['gemmInt8X'] = () => e.gemmInt8X(M, N, Kp, pa, pp, ps, pb, pc2);
// correctness of the variants against gemmInt8
variants.int8();
const ref = new Float32Array(buf(), pc, M * N).slice();
for (const [name, fn] of Object.entries(variants)) {
  if (name === 'float' || name === 'int8') continue;
  new Float32Array(buf(), pc2, M * N).fill(NaN);
  fn();
  const got = new Float32Array(buf(), pc2, M * N);
  for (let i = 0; i < M * N; i++) if (!Object.is(got[i], ref[i])) { console.log(`${name}: MISMATCH at ${i}: ${got[i]} vs ${ref[i]}`); break; }
}
const reps = Math.max(1, Math.round(2e8 / (M * N * K)));
const best = Object.fromEntries(Object.keys(variants).map((k) => [k, Infinity]));
for (const fn of Object.values(variants)) for (let i = 0; i < 5; i++) fn();
for (let r = 0; r < 25; r++) {
  for (const [name, fn] of Object.entries(variants)) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best[name] = Math.min(best[name], ((performance.now() - t) * 1000) / reps);
  }
}
const ops = 2 * M * N * K;
for (const [name, us] of Object.entries(best)) {
  console.log(`${name.padEnd(26)} ${us.toFixed(1).padStart(8)} us  ${(ops / us / 1e3).toFixed(1).padStart(6)} G(FL)OP/s  x float ${(best.float / us).toFixed(2)}`);
}
