// Tiny networks (issue 14): training through fit must give the same bits as the core did
// before its tiny-net fast path. test/fixtures/tiny/golden.mjs trains XOR 2-16-1 and a 13-32-3
// tabular net (and edge cases around them: short batches, other optimizers, dropout, sample
// weights, every road through the trainer, one and two threads) and prints each run's losses
// and a hash of its parameters' bits; golden.json holds what the old core gave. Here the
// script runs against the packed package, as a user installs it.
import { describe, it, expect, inject } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Case {
  name: string;
  loss: number[];
  accuracy: number[] | null;
  valLoss: number[] | null;
  params: string;
  bits?: string;
}

const golden: { cases: Case[] } = JSON.parse(readFileSync(new URL('./fixtures/tiny/golden.json', import.meta.url), 'utf8'));

describe('tiny networks train to the same bits as before the fast path', () => {
  it('every golden case: losses, accuracies, validation losses and parameter bits', () => {
    const app = inject('packedApp');
    copyFileSync(new URL('./fixtures/tiny/golden.mjs', import.meta.url), join(app, 'tiny-golden.mjs'));
    const got: Case[] = JSON.parse(execFileSync(process.execPath, ['tiny-golden.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 }));
    expect(got.map((c) => c.name)).toEqual(golden.cases.map((c) => c.name));
    let bitsCompared = 0;
    golden.cases.forEach((want, i) => {
      const c = got[i];
      // The first differing parameter, for a readable failure where every bit is kept.
      if (want.bits) {
        const at = [...want.bits].findIndex((ch, k) => ch !== c.bits![k]);
        expect(at, `${want.name}: first differing hex digit of the parameters`).toBe(-1);
        bitsCompared++;
      }
      expect(c.loss, `${want.name}: loss`).toEqual(want.loss);
      expect(c.accuracy, `${want.name}: accuracy`).toEqual(want.accuracy);
      expect(c.valLoss, `${want.name}: valLoss`).toEqual(want.valLoss);
      expect(c.params, `${want.name}: parameter bits (sha256)`).toBe(want.params);
    });
    expect(bitsCompared).toBe(2);
    expect(golden.cases.length).toBe(172);
  });
});
