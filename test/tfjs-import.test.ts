// Network.fromTFJS against models saved by @tensorflow/tfjs 4.22's model.save() (and quantized
// as tensorflowjs_converter does), with TF.js's own predictions (test/fixtures/tfjs-import/,
// made by gen.mjs there): within 1e-5 on both backends; refusals name the layer.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { Network, WasmMlpError } from '../src/index.js';
import { expectNear } from './near.js';
import { fastestMs } from './fastest.js';

interface Fixture {
  name: string;
  notes: string;
  inputSize?: number;
  outputSize?: number;
  x?: number[][];
  y?: number[][];
  expect: 'ok' | 'UNSUPPORTED_MODEL' | 'INVALID_MODEL';
}

const dir = new URL('./fixtures/tfjs-import/', import.meta.url);
const FIXTURES = readdirSync(dir)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)
  .sort((a, b) => a.name.localeCompare(b.name));
const files = (name: string) => ({
  json: readFileSync(new URL(`${name}.model.json`, dir), 'utf8'),
  weights: new Uint8Array(readFileSync(new URL(`${name}.weights.bin`, dir))),
});


describe('TF.js import fixtures', () => {
  it('cover Sequential and functional models, activation layers and the three quantizations', () => {
    const names = FIXTURES.filter((f) => f.expect === 'ok').map((f) => f.name);
    for (const n of ['seq_relu_softmax', 'seq_mixed_activations', 'seq_leaky_layers', 'seq_no_bias', 'functional_chain', 'quantized_uint8', 'quantized_uint16', 'quantized_float16']) {
      expect(names).toContain(n);
    }
  });
});

for (const backend of ['wasm', 'js'] as const) {
  describe(`TF.js import (${backend})`, () => {
    for (const f of FIXTURES) {
      if (f.expect === 'ok') {
        it(`${f.name}: TF.js's predictions within 1e-5`, async () => {
          const { json, weights } = files(f.name);
          const net = await Network.fromTFJS(JSON.parse(json), weights, { backend });
          expect(net.inputSize).toBe(f.inputSize);
          expect(net.outputSize).toBe(f.outputSize);
          expectNear(net.predict(f.x!), f.y!.flat(), f.name);
          // The JSON text and an ArrayBuffer work too.
          const again = await Network.fromTFJS(json, weights.slice().buffer, { backend });
          expect(again.predict(f.x!)).toEqual(net.predict(f.x!));
          net.dispose();
          again.dispose();
        });
      } else {
        it(`${f.name}: refused with ${f.expect}`, async () => {
          const { json, weights } = files(f.name);
          const e = await Network.fromTFJS(JSON.parse(json), weights, { backend }).catch((err: unknown) => err);
          expect(e, f.notes).toBeInstanceOf(WasmMlpError);
          expect((e as WasmMlpError).code, (e as Error).message).toBe(f.expect);
          expect((e as Error).message).toMatch(/^Network\.fromTFJS: /);
        });
      }
    }
  });
}

describe('TF.js import details', () => {
  it('refusals name the layer and what is supported', async () => {
    const cases: [string, RegExp][] = [
      ['unsupported_conv1d', /\(Conv1D\); supported: Dense/],
      ['unsupported_batchnorm', /\(BatchNormalization\); supported: Dense/],
      ['unsupported_activation_selu', /activation the string "selu"; supported: linear, relu/],
      ['unsupported_two_inputs', /2 inputs/],
      ['invalid_truncated_weights', /declares \d+ bytes but weightData holds \d+|more bytes/],
      ['invalid_missing_topology', /modelTopology: expected an object/],
    ];
    for (const [name, message] of cases) {
      const { json, weights } = files(name);
      const e = await Network.fromTFJS(json, weights).catch((err: unknown) => err);
      expect((e as Error).message, name).toMatch(message);
    }
  });

  it('weights given as shards in the manifest order equal one buffer', async () => {
    const { json, weights } = files('seq_mixed_activations');
    const f = FIXTURES.find((g) => g.name === 'seq_mixed_activations')!;
    const cut = Math.floor(weights.length / 3);
    const net = await Network.fromTFJS(json, [weights.slice(0, cut), weights.slice(cut).buffer]);
    expectNear(net.predict(f.x!), f.y!.flat(), 'shards');
    net.dispose();
  });

  it('LeakyReLU keeps its alpha (TF.js default 0.3) through save, load and ONNX export', async () => {
    const { json, weights } = files('seq_leaky_layers');
    const net = await Network.fromTFJS(json, weights);
    expect(net.layers.some((l) => l.activation === 'leaky-relu' && (l as { alpha?: number }).alpha !== undefined)).toBe(true);
    const back = await Network.load(net.save());
    expect(back.layers).toEqual(net.layers);
    const onnx = await Network.fromONNX(net.toONNX());
    const f = FIXTURES.find((g) => g.name === 'seq_leaky_layers')!;
    expect(onnx.predict(f.x!)).toEqual(net.predict(f.x!));
    for (const n of [net, back, onnx]) n.dispose();
  });

  it('bad arguments are INVALID_OPTION naming them', async () => {
    const { json } = files('seq_relu_softmax');
    for (const [m, w, message] of [
      [42, new Uint8Array(0), /modelJson: expected the model.json object or its text, got 42/],
      [json, 'weights.bin', /weightData: expected an ArrayBuffer or Uint8Array/],
    ] as const) {
      const e = await Network.fromTFJS(m, w as never).catch((err: unknown) => err);
      expect((e as WasmMlpError).code).toBe('INVALID_OPTION');
      expect((e as Error).message).toMatch(message);
    }
  });

  it('fuzz: hostile JSON and mutated bytes give a usable network, INVALID_MODEL or UNSUPPORTED_MODEL within 200 ms, allocating at most a few times the input', async () => {
    const sources = FIXTURES.filter((f) => f.expect === 'ok').map((f) => files(f.name));
    const counts = { loaded: 0, INVALID_MODEL: 0, UNSUPPORTED_MODEL: 0 };
    // Replaces one value anywhere in the JSON tree with a hostile one.
    const hostile: unknown[] = [null, -1, 1e300, NaN, 'x', [], {}, [2 ** 40, 3], [null, 2 ** 40], true, 0, '__proto__', { constructor: 1 }];
    const mutateJson = (root: unknown, pick: number, value: unknown): unknown => {
      const copy = JSON.parse(JSON.stringify(root));
      const slots: [Record<string, unknown> | unknown[], string | number][] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach((c, i) => (slots.push([v, i]), walk(c)));
        else if (v && typeof v === 'object') for (const k of Object.keys(v)) (slots.push([v as Record<string, unknown>, k]), walk((v as Record<string, unknown>)[k]));
      };
      walk(copy);
      const [parent, key] = slots[pick % slots.length];
      (parent as Record<string, unknown>)[key as string] = value;
      return copy;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sources.length - 1 }), fc.nat(), fc.nat(), fc.boolean(),
        async (s, pick, v, bytes) => {
          const src = sources[s];
          let json: unknown = JSON.parse(src.json);
          let weights = src.weights;
          if (bytes) {
            weights = src.weights.slice(0, pick % (src.weights.length + 1)); // truncation
            if (v % 2) weights = Uint8Array.from([...weights, v & 0xff]); // or a stray byte
          } else json = mutateJson(json, pick, hostile[v % hostile.length]);
          const size = JSON.stringify(json).length + weights.length;
          const before = process.memoryUsage().arrayBuffers;
          const t0 = performance.now();
          let outcome: keyof typeof counts;
          try {
            const net = await Network.fromTFJS(json, weights, { backend: 'js' });
            expect(net.predict(new Float32Array(net.inputSize)).length).toBe(net.outputSize);
            net.dispose();
            outcome = 'loaded';
          } catch (e) {
            if (!(e instanceof WasmMlpError) || (e.code !== 'INVALID_MODEL' && e.code !== 'UNSUPPORTED_MODEL')) throw new Error(`got ${String(e)}`);
            outcome = e.code;
          }
          expect(process.memoryUsage().arrayBuffers - before, 'allocation').toBeLessThan(16 * size + (1 << 20));
          expect(await fastestMs(() => Network.fromTFJS(json, weights, { backend: 'js' }), performance.now() - t0, 200)).toBeLessThan(200);
          counts[outcome]++;
        },
      ),
      { seed: 1301, numRuns: 2000 },
    );
    expect(counts.loaded).toBeGreaterThan(0);
    expect(counts.INVALID_MODEL).toBeGreaterThan(0);
    expect(counts.UNSUPPORTED_MODEL).toBeGreaterThan(0);
  }, 120_000);
});
