// The wasm kernels against their scalar reference twins, at tile edges (XNNPACK-style):
// sizes below, at and above the 4x8 tile, several k-loop passes, row and column tails,
// strided (transposed) A and the bias/alpha epilogue. The SIMD kernel keeps the reference's
// summation order, so the two must agree bit for bit.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadRuntime as init, type Runtime } from '../src/wasm.js';
import { Random } from '../src/random.js';
import { wasmMemory, randomArray } from './wasm-memory.js';
import * as abi from '../src/abi.js';
import { ACTIVATIONS, LOSSES, OPTIMIZERS, activationCode, lossCode, optimizerCode } from '../src/enums.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});

const { upload, download } = wasmMemory(() => rt);

const SIZES = [1, 3, 4, 5, 8, 17, 33, 65];

describe('gemm microkernel (4x8 f32x4) vs scalar reference', () => {
  const cases: [number, number, number][] = [];
  for (const M of SIZES) for (const N of SIZES) for (const K of [1, 3, 8, 17, 65]) cases.push([M, N, K]);

  it.each([false, true])('all M x N x K over tile edges, transposed A = %s, bit-identical', (transposed) => {
    const random = new Random(7);
    const tile = rt.arena.alloc(32 * 4);
    for (const [M, N, K] of cases) {
      // A (M x K) stored row-major, or stored as its transpose (K x M) and read with strides.
      const aData = randomArray(M * K, random);
      const [rsa, csa] = transposed ? [1, M] : [K, 1];
      const b = randomArray(K * N, random);
      const bias = randomArray(N, random);
      const alpha = 0.5;
      const pa = upload(aData);
      const pb = upload(b);
      const pbias = upload(bias);
      const packed = rt.arena.alloc(rt.core.packedSize(K, N) * 4);
      rt.core.packRows(packed, pb, K, N, N);
      const ldc = N + 3; // a padded output stride: the kernel must not write past N
      const sentinel = new Float32Array(M * ldc).fill(12345);
      const pc = upload(sentinel);
      const pr = upload(sentinel);
      rt.core.gemm(M, N, K, pa, rsa, csa, packed, pc, ldc, pbias, alpha, tile);
      rt.core.gemmReference(M, N, K, pa, rsa, csa, pb, N, pr, ldc, pbias, alpha);
      const c = download(pc, M * ldc);
      const r = download(pr, M * ldc);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < ldc; j++) {
          const idx = i * ldc + j;
          if (!Object.is(c[idx], r[idx])) {
            throw new Error(`gemm ${M}x${N}x${K} (transposed A ${transposed}): C[${i}][${j}] = ${c[idx]}, reference ${r[idx]}`);
          }
        }
      }
      // The reference twin itself against float64 arithmetic done here.
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += aData[transposed ? k * M + i : i * K + k] * b[k * N + j];
          const want = acc * alpha + bias[j];
          expect(Math.abs(r[i * ldc + j] - want), `ref ${M}x${N}x${K} at ${i},${j}`).toBeLessThan(1e-4 * (1 + Math.abs(want)));
        }
      }
      for (const p of [pa, pb, pbias, packed, pc, pr]) rt.arena.free(p);
    }
    rt.arena.free(tile);
  });

  it('gemmNarrow (C^T tiles for few outputs) equals the reference bit for bit', () => {
    const random = new Random(17);
    const tile = rt.arena.alloc(32 * 4);
    for (const M of [1, 3, 8, 9, 17, 64, 65]) {
      for (const N of [1, 2, 3, 4, 5, 7, 9, 10, 12, 15]) {
        for (const K of [1, 3, 17, 128]) {
          // Z = A W^T + b: A (M x K), W (N x K) read in place, A packed in 8-row panels.
          const a = randomArray(M * K, random);
          const w = randomArray(N * K, random);
          const wt = new Float32Array(K * N);
          for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wt[k * N + n] = w[n * K + k];
          const bias = randomArray(N, random);
          const [pa, pw, pwt, pbias] = [a, w, wt, bias].map(upload);
          const ap = rt.arena.alloc(Math.ceil(M / 8) * 8 * K * 4);
          rt.core.packTransposed(ap, pa, M, K);
          const ldc = N + 2;
          const sentinel = new Float32Array(M * ldc).fill(777);
          const pc = upload(sentinel);
          const pr = upload(sentinel);
          rt.core.gemmNarrow(M, N, K, pw, K, 1, ap, pc, ldc, pbias, 0.75, tile);
          rt.core.gemmReference(M, N, K, pa, K, 1, pwt, N, pr, ldc, pbias, 0.75);
          const c = download(pc, M * ldc);
          const r = download(pr, M * ldc);
          for (let i = 0; i < M * ldc; i++) {
            if (!Object.is(c[i], r[i])) throw new Error(`gemmNarrow ${M}x${N}x${K}: C[${Math.floor(i / ldc)}][${i % ldc}] = ${c[i]}, reference ${r[i]}`);
          }
          // Without bias too.
          rt.core.gemmNarrow(M, N, K, pw, K, 1, ap, pc, ldc, 0, 1, tile);
          rt.core.gemmReference(M, N, K, pa, K, 1, pwt, N, pr, ldc, 0, 1);
          expect(Array.from(download(pc, M * ldc))).toEqual(Array.from(download(pr, M * ldc)));
          for (const p of [pa, pw, pwt, pbias, ap, pc, pr]) rt.arena.free(p);
        }
      }
    }
    rt.arena.free(tile);
  });

  it('a tiny negative sum scaled to -0 stays -0 without a bias, in every kernel and the reference', () => {
    // Three products of the smallest negative subnormal and 1, times 1/64, round to -0. An
    // epilogue that adds +0 for "no bias" would make it +0 (as gemm4x8 and gemmNarrow did).
    const tiny = -1.4e-45;
    const tile = rt.arena.alloc(32 * 4);
    const K = 3;
    const isNegZero = (v: number) => Object.is(v, -0);
    for (const M of [1, 4, 5, 9]) {
      for (const N of [1, 8, 10, 17]) {
        const pa = upload(new Float32Array(M * K).fill(tiny));
        const pb = upload(new Float32Array(K * N).fill(1));
        const packed = rt.arena.alloc(rt.core.packedSize(K, N) * 4);
        rt.core.packRows(packed, pb, K, N, N);
        const pc = rt.arena.alloc(M * N * 4);
        const pr = rt.arena.alloc(M * N * 4);
        rt.core.gemmReference(M, N, K, pa, K, 1, pb, N, pr, N, 0, 1 / 64);
        expect(Array.from(download(pr, M * N)).every(isNegZero), 'reference').toBe(true);
        rt.core.gemm(M, N, K, pa, K, 1, packed, pc, N, 0, 1 / 64, tile);
        expect(Array.from(download(pc, M * N)).every(isNegZero), `gemm ${M}x${N}`).toBe(true);
        // gemmNarrow: C = A W^T with W (N x K) = ones read in place, A in 8-row panels.
        const ap = rt.arena.alloc(Math.ceil(M / 8) * 8 * K * 4);
        rt.core.packTransposed(ap, pa, M, K);
        rt.core.gemmNarrow(M, N, K, pb, K, 1, ap, pc, N, 0, 1 / 64, tile);
        expect(Array.from(download(pc, M * N)).every(isNegZero), `gemmNarrow ${M}x${N}`).toBe(true);
        for (const p of [pa, pb, packed, pc, pr, ap]) rt.arena.free(p);
      }
    }
    rt.arena.free(tile);
  });

  it('packTransposed(W) equals packRows(W^T)', () => {
    const random = new Random(3);
    for (const N of SIZES) {
      for (const K of [1, 5, 17]) {
        const w = randomArray(N * K, random); // (N x K)
        const wt = new Float32Array(K * N);
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wt[k * N + n] = w[n * K + k];
        const pw = upload(w);
        const pwt = upload(wt);
        const size = rt.core.packedSize(K, N);
        const p1 = rt.arena.alloc(size * 4);
        const p2 = rt.arena.alloc(size * 4);
        rt.core.packTransposed(p1, pw, N, K);
        rt.core.packRows(p2, pwt, K, N, N);
        expect(Array.from(download(p1, size)), `N ${N} K ${K}`).toEqual(Array.from(download(p2, size)));
        for (const p of [pw, pwt, p1, p2]) rt.arena.free(p);
      }
    }
  });
});

describe('activation kernels', () => {
  // alpha: leaky-relu's slope for z <= 0 and elu's scale, as the core reads them (f32).
  const exact: Record<string, (z: number, alpha: number) => number> = {
    linear: (z) => z,
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
    tanh: (z) => Math.tanh(z),
    relu: (z) => Math.max(z, 0),
    'leaky-relu': (z, alpha) => (z > 0 ? z : alpha * z),
    elu: (z, alpha) => (z > 0 ? z : alpha * Math.expm1(z)),
    softplus: (z) => Math.log1p(Math.exp(z)),
  };
  const derivative: Record<string, (z: number, alpha: number) => number> = {
    linear: () => 1,
    sigmoid: (z) => exact.sigmoid(z, 0) * (1 - exact.sigmoid(z, 0)),
    tanh: (z) => 1 - Math.tanh(z) ** 2,
    relu: (z) => (z > 0 ? 1 : 0),
    'leaky-relu': (z, alpha) => (z > 0 ? 1 : alpha),
    elu: (z, alpha) => (z > 0 ? 1 : alpha * Math.exp(z)),
    softplus: (z) => exact.sigmoid(z, 0),
  };
  // The defaults (0.01, 1) and others; the activations without a parameter must ignore it.
  const alphas: Record<string, number[]> = { 'leaky-relu': [0.01, 0, 0.2, 0.7, 3], elu: [1, 0.2, 0.7, 3] };

  for (const name of ACTIVATIONS.filter((a) => a !== 'softmax')) {
    it(`${name}: forward and derivative, SIMD body and scalar tail (n = 1..13)`, () => {
      for (const alpha of (alphas[name] ?? [0, 0.5]).map(Math.fround)) {
        const random = new Random(11);
        for (let n = 1; n <= 13; n++) {
          const z = randomArray(n, random).map((v) => v * 6);
          const pz = upload(z);
          const pa = rt.arena.alloc(n * 4 + 16);
          const pd = upload(new Float32Array(n).fill(1.5));
          rt.core.activationForward(activationCode(name), alpha, pz, pa, 1, n);
          const a = download(pa, n);
          rt.core.activationBackward(activationCode(name), alpha, pz, pa, pd, 1, n);
          const d = download(pd, n);
          for (let i = 0; i < n; i++) {
            const want = exact[name](z[i], alpha);
            expect(Math.abs(a[i] - want), `${name} alpha ${alpha} g(${z[i]})`).toBeLessThan(2e-6 * (1 + Math.abs(want)));
            const dwant = 1.5 * derivative[name](z[i], alpha);
            expect(Math.abs(d[i] - dwant), `${name} alpha ${alpha} g'(${z[i]})`).toBeLessThan(2e-6 * (1 + Math.abs(dwant)));
          }
          for (const p of [pz, pa, pd]) rt.arena.free(p);
        }
      }
    });
  }

  it('softmax is max-shifted: huge logits give finite probabilities summing to 1', () => {
    const z = new Float32Array([1000, 999, -1000, 0, 88, 89]);
    const pz = upload(z);
    const pa = rt.arena.alloc(z.length * 4);
    rt.core.activationForward(abi.ACT_SOFTMAX, 0, pz, pa, 2, 3);
    const a = download(pa, 6);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a[0] + a[1] + a[2]).toBeCloseTo(1, 6);
    expect(a[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(a[3] + a[4] + a[5]).toBeCloseTo(1, 6);
    rt.arena.free(pz);
    rt.arena.free(pa);
  });
});

describe('enums shared across the boundary', () => {
  it('src/abi.ts codes match the order of ACTIVATIONS', () => {
    const codes = [abi.ACT_LINEAR, abi.ACT_SIGMOID, abi.ACT_TANH, abi.ACT_RELU, abi.ACT_LEAKY_RELU, abi.ACT_ELU, abi.ACT_SOFTPLUS, abi.ACT_SOFTMAX];
    expect(ACTIVATIONS.map(activationCode)).toEqual(codes);
    expect(LOSSES.map(lossCode)).toEqual([abi.LOSS_MSE, abi.LOSS_BCE, abi.LOSS_CCE]);
    expect(OPTIMIZERS.map(optimizerCode)).toEqual([abi.OPT_SGD, abi.OPT_ADAM, abi.OPT_RMSPROP]);
  });
});

describe('debug build', () => {
  it('keeps its asserts (the release build drops them) and computes the same GEMM', async () => {
    const { readFileSync } = await import('node:fs');
    const memory = new WebAssembly.Memory({ initial: 4 });
    const bytes = readFileSync(new URL('../build/wasm-mlp.debug.wasm', import.meta.url));
    // An AssemblyScript string: UTF-16 code units, their byte length in the word before.
    const text = (p: number): string =>
      p ? String.fromCharCode(...new Uint16Array(memory.buffer, p, new Uint32Array(memory.buffer, p - 4, 1)[0] >>> 1)) : '';
    const abort = (message: number, file: number, line: number): never => {
      throw new Error(`${text(message)} (${text(file)}:${line})`);
    };
    // `now`: the clock every core instance imports (src/load.ts coreImports; the thread pool's stall watch).
    const core = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort, now: () => performance.now() } })
      .exports as unknown as Runtime['core'];
    const f = new Float32Array(memory.buffer);
    const [a, b, bp, c, r, tile] = [65536, 70000, 80000, 90000, 100000, 110000];
    for (let i = 0; i < 5 * 7; i++) f[(a >> 2) + i] = Math.sin(i);
    for (let i = 0; i < 7 * 9; i++) f[(b >> 2) + i] = Math.cos(i);
    core.packRows(bp, b, 7, 9, 9);
    core.gemm(5, 9, 7, a, 7, 1, bp, c, 9, 0, 1, tile);
    core.gemmReference(5, 9, 7, a, 7, 1, b, 9, r, 9, 0, 1);
    expect(Array.from(f.subarray(c >> 2, (c >> 2) + 45))).toEqual(Array.from(f.subarray(r >> 2, (r >> 2) + 45)));
    expect(() => core.activationForward(99, 0, a, c, 1, 4)).toThrow(WebAssembly.RuntimeError);
    // The release build traps too: an unknown activation code is never silently ignored.
    expect(() => rt.core.activationForward(99, 0, 65536 * 300, 65536 * 300, 1, 4)).toThrow(WebAssembly.RuntimeError);
    expect(() => rt.core.activationBackward(99, 0, 65536 * 300, 65536 * 300, 65536 * 300, 1, 4)).toThrow(WebAssembly.RuntimeError);
  });
});
