// The packed package, installed as a user gets it, in Node, Deno and Bun: the same fixed-seed
// training (XOR and a digits net, also on two threads) and the same predictions of a saved
// model, bit for bit, as Node. Node's own results are checked against the source tree's, so
// the installed package is not only consistent with itself.
import { describe, it, expect, inject } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import * as lite from '../src/lite.js';
// @ts-expect-error: plain ESM helper shared with the runtimes, no type declarations
import { runTask, predictSaved } from './runtimes/task.mjs';

const app = inject('packedApp');
const node = JSON.parse(inject('nodeResults'));
const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

/** Runs test/runtimes/main.mjs in the app folder; the process must exit by itself. */
function run(command: string, args: string[], extra: string[] = []): Record<string, string> {
  const out = execFileSync(command, [...args, 'main.mjs', 'threads', ...extra], { cwd: app, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

describe('the installed package', () => {
  it('in Node: the source tree\'s bits, and the inference entries predict the full entry\'s bits [consistency only]', async () => {
    const digits = new Uint8Array(readFileSync(join(app, 'digits.bin')));
    await lite.init(readFileSync(new URL('../build/infer.wasm', import.meta.url)));
    const here = await runTask({ Network, InferenceNetwork, lite }, digits);
    for (const key of Object.keys(here)) expect(node[key], key).toEqual(here[key]);
    expect(node.predict.length).toBe(64 * 10 * 8);
    expect(node.inferPredict).toBe(node.predict);
    expect(node.litePredict).toBe(node.predict);
    expect(node.loadedPredict).toBe(node.predict);
    expect(node.threads).toBe(2);
    expect(node.workersRan).toBe(true);
    expect(node.threadsPredict).toBe(node.predict);
    expect(await predictSaved(InferenceNetwork, new Uint8Array(readFileSync(join(app, 'model.bin'))), digits)).toBe(node.predict);
  }, 60_000);

  it('in Deno: Node\'s bits, two threads, and the process exits by itself [consistency only]', () => {
    const deno = run(bin('deno'), ['run', '--allow-read']);
    expect(deno).toEqual(node);
    // terminateWorkers() stops the pool in Deno too (the run above exits on idle workers alone).
    expect(run(bin('deno'), ['run', '--allow-read'], ['terminate'])).toEqual(node);
  }, 90_000);

  it('in Bun: Node\'s bits, two threads, and the process exits by itself [consistency only]', () => {
    const bun = run(bin('bun'), []);
    expect(bun).toEqual(node);
  }, 90_000);
});
