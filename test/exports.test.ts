// The public surface: a snapshot of the exported names, so additions and removals are deliberate.
import { it, expect } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the public names', () => {
  expect(Object.keys(api).sort()).toEqual(['ACTIVATIONS', 'LOSSES', 'Network', 'OPTIMIZERS', 'QuantizedNetwork', 'WasmMlpError', '_loadRuntime', 'init', 'memoryStats', 'terminateWorkers', 'threadStats']);
});

it('the inference entry exports exactly its names', async () => {
  const infer = await import('../src/infer.js');
  expect(Object.keys(infer).sort()).toEqual(['InferenceNetwork', 'WasmMlpError', 'init']);
});

it('the lite entry exports exactly its names', async () => {
  const lite = await import('../src/lite.js');
  expect(Object.keys(lite).sort()).toEqual(['LiteNetwork', 'WasmMlpError', 'init', 'load']);
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
  const lite = await import(/* @vite-ignore */ '../dist/lite.js');
  expect(Object.keys(lite).sort()).toEqual(['LiteNetwork', 'WasmMlpError', 'init', 'load']);
  expect(lite.LiteNetwork.name).toBe('LiteNetwork');
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

it('the built files hold no eval, no new Function and no top-level await; only the node entries import node:', async () => {
  const { readFileSync } = await import('node:fs');
  const files = ['index.js', 'node.js', 'infer.js', 'infer.node.js', 'lite.js', 'worker.js', 'worker.node.js'];
  for (const file of files) {
    const text = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
    expect(text, file).not.toMatch(/\beval\(|new Function\b/);
    // esbuild writes top-level statements at column 0; an await there is a top-level await.
    expect(text, file).not.toMatch(/^(?:await\b|(?:const|let|var) [^=\n]+= await\b)/m);
    const nodeImport = /from ["']node:|import\(["']node:/.test(text);
    expect(nodeImport, file).toBe(file.includes('node'));
  }
});
