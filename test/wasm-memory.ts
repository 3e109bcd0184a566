// Helpers for tests that call the core's exports directly: copy arrays into and out of a
// runtime's memory (regions from its arena, 16 bytes of slack for four-lane tails) and make
// seeded random inputs in [-1, 1).
import type { Runtime } from '../src/wasm.js';
import type { Random } from '../src/random.js';

export function wasmMemory(rt: () => Runtime) {
  const f32 = () => new Float32Array(rt().memory.buffer);
  return {
    f32,
    upload(values: Float32Array): number {
      const ptr = rt().arena.alloc(values.length * 4 + 16);
      f32().set(values, ptr >> 2);
      return ptr;
    },
    download(ptr: number, n: number): Float32Array {
      return f32().slice(ptr >> 2, (ptr >> 2) + n);
    },
  };
}

export function randomArray(n: number, random: Random): Float32Array {
  return Float32Array.from({ length: n }, () => 2 * random.uniform() - 1);
}
