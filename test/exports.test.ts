// The public surface: a snapshot of the exported names, so additions and removals are deliberate.
import { it, expect } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the public names', () => {
  expect(Object.keys(api).sort()).toEqual(['ACTIVATIONS', 'LOSSES', 'Network', 'OPTIMIZERS', 'WasmMlpError', 'init']);
});

it('the package entry (one bundled file) exports the same names and keeps class names', async () => {
  // @ts-expect-error: the bundle's types are dist/index.d.ts (package.json "types")
  const bundle = await import('../dist/wasm-mlp.js');
  expect(Object.keys(bundle).sort()).toEqual(Object.keys(api).sort());
  expect(bundle.Network.name).toBe('Network');
  expect(new bundle.WasmMlpError('INVALID_OPTION', 'x').name).toBe('WasmMlpError');
});

import { Random } from '../src/random.js';

it('Random.fillSymmetric is the uniform() stream, scaled', () => {
  const a = new Random(9);
  const b = new Random(9);
  const out = new Float32Array(1000);
  a.fillSymmetric(out, 0, 1000, 0.3);
  for (let i = 0; i < 1000; i++) expect(out[i]).toBe(Math.fround((2 * b.uniform() - 1) * 0.3));
  expect(a.nextU32()).toBe(b.nextU32());
});
