// Fuzzing the ONNX importer (fast-check, fixed seeds): thousands of models per run, valid ones
// built at random and then broken on purpose (flipped bytes, truncations, huge declared sizes,
// wrong dims, cycles, missing initializers) and the producers' fixtures mutated byte by byte.
// Every result must be a usable network, INVALID_MODEL or UNSUPPORTED_MODEL; each within 200 ms
// and without allocating more than a few times the input's size. Valid random graphs must also
// compute what their weights say (a float64 forward pass written here).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { Network, WasmMlpError } from '../src/index.js';
import { denseChain, model, type ModelDesc } from './onnx-build.js';
import { fastestMs } from './fastest.js';

const ACTS: Record<string, (z: number) => number> = {
  Relu: (z) => Math.max(0, z),
  Sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  Tanh: Math.tanh,
  Softplus: (z) => Math.log1p(Math.exp(z)),
  Linear: (z) => z,
};

function forward(x: number[], weights: number[][], biases: number[][], acts: string[], sizes: number[]): number[] {
  let a = x;
  for (let l = 0; l < weights.length; l++) {
    const [fanIn, units] = [sizes[l], sizes[l + 1]];
    const z = Array.from({ length: units }, (_, j) => biases[l][j] + a.reduce((s, v, k) => s + Math.fround(weights[l][j * fanIn + k]) * v, 0));
    a = z.map(ACTS[acts[l]]);
  }
  return a;
}

type Outcome = 'loaded' | 'INVALID_MODEL' | 'UNSUPPORTED_MODEL';

/** Imports `bytes` and checks the contract; returns what happened. */
async function attempt(bytes: Uint8Array): Promise<Outcome> {
  const copy = bytes.slice();
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let net: Network | null = null;
  let outcome: Outcome;
  try {
    net = await Network.fromONNX(bytes, { backend: 'js' });
    outcome = 'loaded';
  } catch (e) {
    if (!(e instanceof WasmMlpError) || (e.code !== 'INVALID_MODEL' && e.code !== 'UNSUPPORTED_MODEL')) {
      throw new Error(`expected a network, INVALID_MODEL or UNSUPPORTED_MODEL, got ${String(e)}`);
    }
    outcome = e.code;
  }
  const ms = await fastestMs(() => Network.fromONNX(bytes, { backend: 'js' }), performance.now() - t0, 200);
  const grown = process.memoryUsage().arrayBuffers - before;
  expect(ms, 'time').toBeLessThan(200);
  expect(grown, 'allocation').toBeLessThan(16 * bytes.length + (1 << 20));
  expect(bytes, 'input untouched').toEqual(copy);
  if (net) {
    const out = net.predict(new Float32Array(net.inputSize));
    expect(out.length).toBe(net.outputSize);
    net.dispose();
  }
  return outcome;
}

const arbChain = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
  acts: fc.array(fc.constantFrom(...Object.keys(ACTS)), { minLength: 3, maxLength: 3 }),
  forms: fc.array(fc.constantFrom('gemm' as const, 'matmul' as const), { minLength: 3, maxLength: 3 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

interface Chain {
  sizes: number[];
  acts: string[];
  forms: ('gemm' | 'matmul')[];
  seed: number;
}

function build(c: Chain) {
  let s = c.seed;
  const values = (n: number) => Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  const acts = c.acts.slice(0, c.sizes.length - 1);
  return { ...denseChain(c.sizes, acts, c.forms, values), acts };
}

const EXPECTED: Record<string, Outcome> = {
  'wrong dims': 'INVALID_MODEL', // the data no longer matches the dims
  'missing initializer': 'INVALID_MODEL',
  cycle: 'INVALID_MODEL',
  'huge declared size': 'UNSUPPORTED_MODEL', // over the library's 2^27 limit, before any allocation
  'lying raw size': 'INVALID_MODEL',
  'second input': 'UNSUPPORTED_MODEL',
  'unknown op': 'UNSUPPORTED_MODEL',
  'no nodes': 'INVALID_MODEL',
  'bad opset': 'UNSUPPORTED_MODEL',
  'non-finite weight': 'INVALID_MODEL',
};

describe('ONNX importer fuzz', () => {
  it('random valid dense graphs load and compute their weights (Gemm and MatMul + Add, raw and typed storage)', async () => {
    await fc.assert(
      fc.asyncProperty(arbChain, async (c) => {
        const { desc, weights, biases, acts } = build(c);
        const net = await Network.fromONNX(model(desc));
        const x = Array.from({ length: c.sizes[0] }, (_, i) => Math.sin(i + c.seed));
        const ours = Array.from(net.predict([x]));
        const want = forward(x.map(Math.fround), weights, biases, acts, c.sizes);
        ours.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]))));
        net.dispose();
      }),
      { seed: 1201, numRuns: 300 },
    );
  });

  it('structural breakage: wrong dims, missing initializers, cycles, huge sizes, stray inputs', async () => {
    const counts = new Map<string, number>();
    // Each breakage and the refusal it must get.
    const breakers: [string, (d: ModelDesc, pick: number) => void][] = [
      ['wrong dims', (d, p) => {
        const t = d.initializers[p % d.initializers.length];
        t.dims = t.dims.map((v, i) => (i === 0 ? v + 1 : v));
      }],
      ['missing initializer', (d, p) => void d.initializers.splice(p % d.initializers.length, 1)],
      ['cycle', (d, p) => {
        const n = d.nodes[p % d.nodes.length];
        n.inputs[0] = d.nodes[d.nodes.length - 1].outputs[0];
      }],
      ['huge declared size', (d, p) => {
        const t = d.initializers[p % d.initializers.length];
        t.dims = [2 ** 40, 3];
      }],
      ['lying raw size', (d, p) => {
        const t = d.initializers[p % d.initializers.length];
        t.storage = 'raw';
        t.rawOverride = new Uint8Array(3);
      }],
      ['second input', (d) => void d.inputs.push('extra')],
      ['unknown op', (d, p) => void (d.nodes[p % d.nodes.length].op = 'Conv')],
      ['no nodes', (d) => void (d.nodes.length = 0)],
      ['bad opset', (d, p) => void (d.opset = [0, 5, 8, 22, 99][p % 5])],
      ['non-finite weight', (d, p) => {
        const t = d.initializers[p % d.initializers.length];
        t.values[0] = [NaN, Infinity, -Infinity][p % 3];
      }],
    ];
    await fc.assert(
      fc.asyncProperty(arbChain, fc.integer({ min: 0, max: breakers.length - 1 }), fc.nat(), async (c, which, pick) => {
        const { desc } = build(c);
        const [name, breakIt] = breakers[which];
        breakIt(desc, pick);
        const outcome = await attempt(model(desc));
        counts.set(`${name}: ${outcome}`, (counts.get(`${name}: ${outcome}`) ?? 0) + 1);
        // Every one of these breaks the model: none may load, and each gets its own refusal.
        expect(outcome, name).toBe(EXPECTED[name]);
      }),
      { seed: 1202, numRuns: 1500 },
    );
    for (const [name] of breakers) expect([...counts.keys()].some((k) => k.startsWith(name)), name).toBe(true);
  });

  it('byte-level mutations of the producers\' files: flips, truncations, insertions', async () => {
    const dir = new URL('./fixtures/onnx-import/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
    const counts = { loaded: 0, INVALID_MODEL: 0, UNSUPPORTED_MODEL: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: files.length - 1 }),
        fc.constantFrom('flip', 'truncate', 'insert', 'overwrite'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (f, kind, at, value) => {
          const src = files[f];
          if (!src.length) return;
          const i = at % src.length;
          let bytes: Uint8Array;
          if (kind === 'flip') {
            bytes = src.slice();
            bytes[i] ^= 1 << (value % 8);
          } else if (kind === 'truncate') bytes = src.slice(0, i);
          else if (kind === 'insert') bytes = Uint8Array.from([...src.subarray(0, i), value, ...src.subarray(i)]);
          else {
            bytes = src.slice();
            bytes.fill(0xff, i, i + 1 + (value % 9)); // varints of huge or negative lengths
          }
          counts[await attempt(bytes)]++;
        },
      ),
      { seed: 1203, numRuns: 3000 },
    );
    // All three outcomes occur (a flipped weight byte still loads; most breakage is refused).
    expect(counts.loaded).toBeGreaterThan(0);
    expect(counts.INVALID_MODEL).toBeGreaterThan(0);
    expect(counts.UNSUPPORTED_MODEL).toBeGreaterThan(0);
  }, 120_000);
});
