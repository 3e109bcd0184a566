// The inference entry against an infer.wasm of another version (a user's own copy handed to
// init): a build whose crc32 takes (p, n), from before the loader continued CRCs, would read
// every model as corrupt; init refuses it up front, naming why. Its own file: init runs once
// per process, and vitest gives each test file a fresh module graph.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import asc from 'assemblyscript/asc';

const pkg = join(inject('packedApp'), 'node_modules', 'wasm-mlp');

describe('init with an infer.wasm older than the JS', () => {
  it('is WASM_UNAVAILABLE, saying its crc32 takes 2 arguments, and a later init with the right module works', async () => {
    const old = await asc.compileString(
      `export function forward(net: i32, m: i32): void {}
       export function firstNonFinite(p: i32, n: i32): i32 { return -1; }
       export function crc32(p: i32, n: i32): u32 { return 0; }`,
      { runtime: 'stub', importMemory: true, noAssert: true },
    );
    expect(old.binary, old.stderr?.toString()).toBeTruthy();
    const { init, InferenceNetwork } = await import(/* @vite-ignore */ pathToFileURL(join(pkg, 'dist', 'infer.node.js')).href);
    const err = await init(new WebAssembly.Module(old.binary! as Uint8Array<ArrayBuffer>)).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'WASM_UNAVAILABLE' });
    expect(err.message).toMatch(/older than this package's JS \(its crc32 takes 2 arguments, not 3\)/);
    // A failed init can be retried: the package's own file then serves.
    await init();
    const net = await InferenceNetwork.load({ format: 'wasm-mlp', version: 1, inputSize: 1, layers: [{ units: 1, activation: 'linear' }], loss: 'mse', optimizer: { kind: 'sgd' }, seed: 0, weights: [[2]], biases: [[1]] });
    expect(Array.from(net.predict([[3]]))).toEqual([7]);
  });
});
