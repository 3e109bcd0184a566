// The PRNG and the shuffle against references, not against each other: xoshiro128** against
// the output of the algorithm's published reference code (Blackman & Vigna; the values below
// were computed with an independent Python transcription of xoshiro128starstar.c from state
// {1, 2, 3, 4}), and the Fisher-Yates shuffle of both the TS trainer and the wasm core against
// what a uniform shuffle must produce: every permutation of a small array equally often and one
// fixed point per shuffle on average. (A shuffle that drew j from [0, i), Sattolo's algorithm,
// yields only cyclic permutations: two of the six orders of three items, never a fixed point.)
import { describe, it, expect, beforeAll } from 'vitest';
import { loadRuntime as init, type Runtime } from '../src/wasm.js';
import { Random } from '../src/random.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});

const XOSHIRO_1234 = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849];

/** The two shufflers under test, each shuffling `a` in place with its own stream. */
function shufflers(): [string, (a: Uint32Array) => void][] {
  const js = new Random(2024);
  const state = rt.arena.alloc(16);
  const words = () => new Uint32Array(rt.memory.buffer, state, 4);
  words().set(new Random(2024).getState());
  const buf = rt.arena.alloc(4 * 64);
  return [
    ['Random.shuffle (TS trainer)', (a) => js.shuffle(a)],
    ['core shuffle (wasm trainer)', (a) => {
      new Uint32Array(rt.memory.buffer, buf, a.length).set(a);
      rt.core.shuffle(state, buf, a.length);
      a.set(new Uint32Array(rt.memory.buffer, buf, a.length));
    }],
  ];
}

describe('PRNG and shuffle against references', () => {
  it('xoshiro128** gives the reference outputs, in TS and in the core', () => {
    const r = new Random(0);
    r.setState([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => r.nextU32())).toEqual(XOSHIRO_1234);
    const state = rt.arena.alloc(16);
    new Uint32Array(rt.memory.buffer, state, 4).set([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => rt.core.nextU32(state) >>> 0)).toEqual(XOSHIRO_1234);
  });

  it('shuffles three items into each of the six orders equally often (chi-square), in TS and in the core', () => {
    for (const [name, shuffle] of shufflers()) {
      const counts = new Map<string, number>();
      const N = 6000;
      for (let t = 0; t < N; t++) {
        const a = Uint32Array.of(0, 1, 2);
        shuffle(a);
        counts.set(a.join(''), (counts.get(a.join('')) ?? 0) + 1);
      }
      expect([...counts.keys()].sort(), name).toEqual(['012', '021', '102', '120', '201', '210']);
      // Chi-square with 5 degrees of freedom: 20.5 is its 0.999 quantile.
      const chi2 = [...counts.values()].reduce((s, c) => s + (c - N / 6) ** 2 / (N / 6), 0);
      expect(chi2, name).toBeLessThan(20.5);
    }
  });

  it('leaves one fixed point per shuffle on average and moves every item everywhere (n = 10)', () => {
    for (const [name, shuffle] of shufflers()) {
      const N = 4000;
      let fixed = 0;
      const where = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
      for (let t = 0; t < N; t++) {
        const a = Uint32Array.from({ length: 10 }, (_, i) => i);
        shuffle(a);
        a.forEach((v, i) => {
          if (v === i) fixed++;
          where[v][i]++;
        });
        // Still a permutation.
        expect(Array.from(a).sort((x, y) => x - y), name).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
      // Uniform permutations have exactly 1 fixed point in expectation (variance 1).
      expect(Math.abs(fixed / N - 1), name).toBeLessThan(0.1);
      for (const row of where) for (const c of row) expect(Math.abs(c - N / 10), name).toBeLessThan(N / 10 / 4);
    }
  });
});
