// The public surface: a snapshot of the exported names, so additions and removals are deliberate.
import { it, expect } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the public names', () => {
  expect(Object.keys(api).sort()).toEqual(['ACTIVATIONS', 'LOSSES', 'Network', 'OPTIMIZERS', 'WasmMlpError', 'init', 'terminateWorkers']);
});

it('the inference entry exports exactly its names', async () => {
  const infer = await import('../src/infer.js');
  expect(Object.keys(infer).sort()).toEqual(['InferenceNetwork', 'WasmMlpError', 'init']);
});

it('the built entries (browser and Node) export the same names and keep class names', async () => {
  for (const file of ['../dist/index.js', '../dist/node.js']) {
    const entry = await import(/* @vite-ignore */ file);
    expect(Object.keys(entry).sort()).toEqual(Object.keys(api).sort());
    expect(entry.Network.name).toBe('Network');
    expect(new entry.WasmMlpError('INVALID_OPTION', 'x').name).toBe('WasmMlpError');
  }
  for (const file of ['../dist/infer.js', '../dist/infer.node.js']) {
    const entry = await import(/* @vite-ignore */ file);
    expect(Object.keys(entry).sort()).toEqual(['InferenceNetwork', 'WasmMlpError', 'init']);
  }
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
