// Same seed and options => bit-identical weights after training: twice in one process and in
// two fresh processes running the built package.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/index.js';
// @ts-expect-error: plain ESM helper shared with the child script, no type declarations
import { trainFixed } from './determinism-task.mjs';

const child = fileURLToPath(new URL('./determinism-child.mjs', import.meta.url));

for (const backend of ['wasm', 'js']) {
  describe(`determinism (${backend})`, () => {
    it('twice in one process and in two processes', async () => {
      const a: string = await trainFixed(Network, backend);
      const b: string = await trainFixed(Network, backend);
      expect(b).toBe(a);
      const p1 = execFileSync(process.execPath, [child, backend], { encoding: 'utf8' });
      const p2 = execFileSync(process.execPath, [child, backend], { encoding: 'utf8' });
      expect(p1.length).toBeGreaterThan(100);
      expect(p1).toBe(a);
      expect(p2).toBe(a);
    }, 60_000);
  });
}
