// The installed package in the two edge runtimes that cannot read files or (workerd) compile
// wasm bytes, and init()'s answers to bad sources in Node.
//
// workerd (through Miniflare, no compatibility flags): ES module Workers bundled with esbuild
// from the installed package, the wasm imported as a CompiledWasm module
// (`import wasm from 'wasm-mlp/infer.wasm'`, resolved through the package's exports map) and the
// data files as Data modules. The inference Worker predicts the saved model with Node's bits on
// a real 127.0.0.1 port; the training Worker runs test/runtimes/task.mjs to Node's JSON.
// edge-runtime (Vercel): the same handler as an IIFE script, given the wasm as a host-realm
// WebAssembly.Module or as fetch() of an application/wasm URL (WebAssembly.compileStreaming
// refuses edge-runtime's Response, so src/load.ts falls back to the bytes).
// Worker sources are test/edge/*.mjs; they are copied into the packed app and built there
// (<app>/edge-workerd/, <app>/edge-runtime/) so that 'wasm-mlp' is the installed package.
import { describe, it, expect, inject, beforeAll, vi } from 'vitest';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { EdgeRuntime, runServer } from 'edge-runtime';
// @ts-expect-error: plain ESM helper shared with the runtimes, no type declarations
import { trainXor, hex } from './runtimes/task.mjs';

const app = inject('packedApp');
const node = JSON.parse(inject('nodeResults')) as Record<string, unknown> & { inferPredict: string; predict: string };
const here = fileURLToPath(new URL('.', import.meta.url));
const installed = (file: string): string => join(app, 'node_modules', 'wasm-mlp', 'build', file);

/** The digits file's 64 test rows (after 600 training rows of 784 float32 pixels). */
const testRows = readFileSync(join(app, 'digits.bin')).subarray(600 * 784 * 4, 664 * 784 * 4);
const model = new Uint8Array(readFileSync(join(app, 'model.bin')));
const hexOf = (body: ArrayBuffer): string => Buffer.from(body).toString('hex');

/** The Worker sources of test/edge/, copied into `dir` (a folder of the packed app). */
function copySources(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(here, 'edge'), dir, { recursive: true });
}

/** A static server on 127.0.0.1: `files` by name, 404 for the rest; counts the requests. */
async function serve(files: Record<string, Uint8Array>): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    requests.push(name);
    const body = files[name];
    if (body) res.writeHead(200, { 'content-type': 'application/wasm' }).end(body);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface Outcome {
  ok: boolean;
  isWasmMlpError?: boolean;
  name?: string;
  code?: string;
  message?: string;
}

/** The default init() where the package has no module URL: WASM_UNAVAILABLE, pointing to init(source). */
function expectNoDefault(outcome: Outcome, file: string): void {
  expect(outcome).toMatchObject({ ok: false, isWasmMlpError: true, name: 'WasmMlpError', code: 'WASM_UNAVAILABLE' });
  expect(outcome.message).toContain(`cannot locate ${file}`);
  expect(outcome.message).toContain('init(source)');
}

describe('workerd (Miniflare 4, no compatibility flags)', () => {
  const dir = join(app, 'edge-workerd');
  /** Worker name -> its bundle and the wasm/data modules it imports. */
  const workers = new Map<string, { script: string; modules: Map<string, { path: string; type: 'CompiledWasm' | 'Data' }> }>();

  beforeAll(async () => {
    copySources(dir);
    for (const name of ['infer', 'train']) {
      const modules = new Map<string, { path: string; type: 'CompiledWasm' | 'Data' }>();
      // As wrangler does: `.wasm` and `.bin` imports resolve like any import (through the
      // package's exports map), then stay imports of modules uploaded beside the script.
      const attach: esbuild.Plugin = {
        name: 'attach-modules',
        setup(build) {
          build.onResolve({ filter: /\.(wasm|bin)$/ }, async (args) => {
            if (args.pluginData === 'attach') return undefined;
            const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'attach' });
            if (found.errors.length) return { errors: found.errors };
            modules.set(basename(found.path), { path: found.path, type: found.path.endsWith('.wasm') ? 'CompiledWasm' : 'Data' });
            return { path: `./${basename(found.path)}`, external: true };
          });
        },
      };
      const out = join(dir, 'out', `${name}.mjs`);
      await esbuild.build({
        entryPoints: [join(dir, `workerd-${name}.mjs`)],
        outfile: out,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'es2022',
        conditions: ['workerd', 'worker', 'browser'],
        plugins: [attach],
        logLevel: 'warning',
      });
      workers.set(name, { script: out, modules });
    }
  });

  /** One Worker on a real 127.0.0.1 port, disposed after `use`. */
  async function withWorker<T>(name: string, use: (url: URL) => Promise<T>): Promise<T> {
    const { script, modules } = workers.get(name)!;
    const root = join(dir, 'out');
    const mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      compatibilityDate: '2025-09-01', // and no compatibilityFlags
      modulesRoot: root,
      modules: [
        { type: 'ESModule', path: script, contents: readFileSync(script, 'utf8') },
        ...[...modules].map(([file, m]) => ({ type: m.type, path: join(root, file), contents: readFileSync(m.path) })),
      ],
    });
    try {
      return await use(await mf.ready);
    } finally {
      await mf.dispose();
    }
  }

  it('the inference Worker: init() alone fails naming init(source), bytes are refused, and the CompiledWasm module predicts Node\'s bits, through wasm-mlp/infer and wasm-mlp/lite [consistency only]', async () => {
    const { modules } = workers.get('infer')!;
    // The package's exports map gave the wasm, and the Worker got the installed package's file.
    expect(modules.get('infer.wasm')?.path).toBe(installed('infer.wasm'));
    await withWorker('infer', async (url) => {
      // Fresh isolate: nothing initialised yet.
      const probe = (await (await fetch(new URL('/default-init', url))).json()) as { defaultInit: Outcome; bytesInit: Outcome };
      expectNoDefault(probe.defaultInit, 'infer.wasm');
      // workerd really refuses to compile bytes, so the Module import is the only way in.
      expect(probe.bytesInit).toMatchObject({ ok: false, isWasmMlpError: true, code: 'WASM_UNAVAILABLE' });
      expect(probe.bytesInit.message).toContain('could not load the wasm module from 8 bytes');
      expect(probe.bytesInit.message).toMatch(/code generation disallowed/i);
      // After those failed inits, init(module) still works.
      for (const path of ['/predict', '/predict?batch', '/lite', '/lite?batch']) {
        const res = await fetch(new URL(path, url), { method: 'POST', body: testRows });
        expect(res.status, path).toBe(200);
        expect(hexOf(await res.arrayBuffer()), path).toBe(node.inferPredict);
      }
    });
    expect(node.inferPredict).toBe(node.predict);
    expect(node.inferPredict.length).toBe(64 * 10 * 8);
  });

  it('the training Worker: the full entry from its CompiledWasm module trains XOR and digits to Node\'s JSON', async () => {
    const { modules } = workers.get('train')!;
    expect(modules.get('wasm-mlp.wasm')?.path).toBe(installed('wasm-mlp.wasm'));
    const result = await withWorker('train', async (url) => {
      const res = await fetch(url);
      expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
      return res.json();
    });
    const { threads, threadsPredict, workersRan, litePredict, ...expected } = node; // the training Worker runs no lite
    expect(litePredict).toBe(node.predict);
    expect(threads).toBe(2);
    expect(threadsPredict).toBe(node.predict);
    expect(workersRan).toBe(true);
    expect(result).toEqual(expected);
  });
});

describe('edge-runtime (Vercel)', () => {
  const dir = join(app, 'edge-runtime');
  let code = '';
  const wasm = new Uint8Array(readFileSync(installed('infer.wasm')));

  beforeAll(async () => {
    copySources(dir);
    const out = join(dir, 'out', 'infer.js');
    await esbuild.build({
      entryPoints: [join(dir, 'edge-infer.mjs')],
      outfile: out,
      bundle: true,
      format: 'iife', // EdgeRuntime evaluates scripts, not modules
      platform: 'browser',
      target: 'es2022',
      conditions: ['edge-light', 'worker', 'browser'],
      loader: { '.bin': 'binary' },
      logLevel: 'warning',
    });
    code = readFileSync(out, 'utf8');
  });

  /** A fresh runtime (init() keeps its first success) with `globals`, served on 127.0.0.1. */
  async function withRuntime<T>(globals: Record<string, unknown>, use: (url: string) => Promise<T>): Promise<T> {
    const runtime = new EdgeRuntime({ initialCode: code, extend: (context) => Object.assign(context, globals) });
    const server = await runServer({ runtime, host: '127.0.0.1', port: 0 });
    try {
      return await use(server.url);
    } finally {
      await server.close();
    }
  }

  async function predictions(url: string): Promise<string[]> {
    const out: string[] = [];
    for (const path of ['/predict', '/predict?batch', '/lite', '/lite?batch']) {
      const res = await fetch(new URL(path, url), { method: 'POST', body: testRows });
      out.push(res.status === 200 ? hexOf(await res.arrayBuffer()) : `HTTP ${res.status}: ${await res.text()}`);
    }
    return out;
  }

  it('init() alone fails naming init(source) (an IIFE bundle has no import.meta.url)', async () => {
    const probe = await withRuntime({}, async (url) => (await fetch(new URL('/default-init', url))).json());
    expectNoDefault((probe as { defaultInit: Outcome }).defaultInit, 'infer.wasm');
  });

  it('a WebAssembly.Module from the host realm: Node\'s bits through both serving entries [consistency only]', async () => {
    const module = new WebAssembly.Module(wasm);
    // The runtime's realm has its own WebAssembly: the host's Module is not its instance.
    const realm = new EdgeRuntime({ extend: (context) => Object.assign(context, { WASM_MODULE: module }) });
    expect(realm.evaluate('WASM_MODULE instanceof WebAssembly.Module')).toBe(false);
    const got = await withRuntime({ WASM_MODULE: module }, predictions);
    expect(got).toEqual([node.inferPredict, node.inferPredict, node.inferPredict, node.inferPredict]);
  });

  it('init(fetch(url)) of an application/wasm response from 127.0.0.1: Node\'s bits (compileStreaming refused, bytes compiled) [consistency only]', async () => {
    const files = await serve({ 'infer.wasm': wasm });
    try {
      const WASM_URL = `${files.url}infer.wasm`;
      const got = await withRuntime({ WASM_URL }, predictions);
      expect(got).toEqual([node.inferPredict, node.inferPredict, node.inferPredict, node.inferPredict]);
      expect(files.requests).toEqual(['infer.wasm', 'infer.wasm']); // fetched once per entry, by its first prediction (lite's bytes, infer's Response)
      // What makes this the fallback path: the runtime's own compileStreaming refuses its Response.
      const streaming = await withRuntime({ WASM_URL }, async (url) => (await fetch(new URL('/compile-streaming', url))).json());
      expect(streaming).toMatchObject({ ok: false, name: 'TypeError' });
    } finally {
      await files.close();
    }
  });
});

describe('init() given bad sources (Node, the source tree)', () => {
  // Each test takes fresh module instances (init keeps its first success for the process).
  // The `node` entries (src/infer.node.ts, src/node.ts) are the ones Node resolves; they install
  // the Node platform in the fresh module graph (file reads, the working directory as base).
  async function freshInference(): Promise<typeof import('../src/infer.js')> {
    vi.resetModules();
    return import('../src/infer.node.js');
  }
  async function freshFull(): Promise<typeof import('../src/index.js')> {
    vi.resetModules();
    return import('../src/node.js');
  }

  async function rejection(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
    try {
      await promise;
    } catch (e) {
      return e as { name: string; code: string; message: string };
    }
    throw new Error('expected a rejection');
  }

  async function expectUnavailable(promise: Promise<unknown>, ...says: (string | RegExp)[]): Promise<void> {
    const e = await rejection(promise);
    expect(e.name).toBe('WasmMlpError');
    expect(e.code, e.message).toBe('WASM_UNAVAILABLE');
    for (const s of says) {
      if (typeof s === 'string') expect(e.message).toContain(s);
      else expect(e.message).toMatch(s);
    }
  }

  const EMPTY_WASM = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

  it('the inference entry: a number, {}, another wasm module and HTTP 404s are refused, saying what was given; then a correct init works', async () => {
    const { init, InferenceNetwork, WasmMlpError } = await freshInference();
    const files = await serve({});
    try {
      await expectUnavailable(init(42 as never), 'expected a WebAssembly.Module, bytes, a Response or a URL, got 42');
      await expectUnavailable(init({} as never), 'got an object (Object)');
      await expectUnavailable(init(EMPTY_WASM), 'the module given is not infer.wasm: it has no export forward');
      await expectUnavailable(init(new WebAssembly.Module(EMPTY_WASM)), 'the module given is not infer.wasm');
      // The threaded core wants a shared memory. (The single-thread core, wasm-mlp.wasm, has the
      // same forward export and is accepted: it predicts the same bits.)
      await expectUnavailable(init(readFileSync(installed('wasm-mlp.threads.wasm'))), 'the module given is not infer.wasm (it does not instantiate with its imports');
      await expectUnavailable(init(new Response('gone', { status: 404 })), 'could not load the wasm module from a Response (HTTP 404)');
      const missing = `${files.url}infer.wasm`;
      await expectUnavailable(init(fetch(missing)), `from a Response (HTTP 404 from ${missing})`);
      await expectUnavailable(init(new URL(missing)), `from the URL ${missing}: HTTP 404`);
      expect(files.requests).toEqual(['infer.wasm', 'infer.wasm']);
      // The message is a WasmMlpError of this module instance.
      expect(await rejection(init(7 as never))).toBeInstanceOf(WasmMlpError);
      // Retry: the failures left nothing cached.
      await init(new Response(new Uint8Array(readFileSync(installed('infer.wasm'))), { headers: { 'content-type': 'application/wasm' } }));
      const net = await InferenceNetwork.load(model);
      expect(hex(net.predict(new Float32Array(testRows.buffer.slice(testRows.byteOffset, testRows.byteOffset + testRows.byteLength))))).toBe(node.inferPredict);
      net.dispose();
    } finally {
      await files.close();
    }
  });

  it('the full entry: the same refusals, then a correct init trains XOR to Node\'s bits [consistency only]', async () => {
    const { init, Network } = await freshFull();
    await expectUnavailable(init(42 as never), 'got 42');
    await expectUnavailable(init({ wasm: {} as never }), 'got an object (Object)');
    await expectUnavailable(init(EMPTY_WASM), 'the module given is not wasm-mlp.wasm: it has no export forward');
    await expectUnavailable(init(readFileSync(installed('infer.wasm'))), 'the module given is not wasm-mlp.wasm: it has no export backprop, trainEpochs');
    await expectUnavailable(init(new Response(null, { status: 404 })), 'from a Response (HTTP 404)');
    await init(new Uint8Array(readFileSync(installed('wasm-mlp.wasm'))));
    expect(await trainXor(Network)).toEqual(node.xor);
  });

  it('a relative string URL resolves against the working directory, not the package folder', async () => {
    const { init, InferenceNetwork } = await freshInference();
    const cwd = join(app, 'edge-cwd');
    mkdirSync(join(cwd, 'files'), { recursive: true });
    copyFileSync(installed('infer.wasm'), join(cwd, 'files', 'core.wasm'));
    const before = process.cwd();
    process.chdir(cwd);
    try {
      // Against src/infer.ts this would be the repository's build/infer.wasm; against the
      // working directory there is no such file.
      await expectUnavailable(init('../build/infer.wasm'), 'from the URL ../build/infer.wasm', join(app, 'build', 'infer.wasm'));
      await init('files/core.wasm');
    } finally {
      process.chdir(before);
    }
    const net = await InferenceNetwork.load(model);
    expect(hex(net.predict(new Float32Array(testRows.buffer.slice(testRows.byteOffset, testRows.byteOffset + testRows.byteLength))))).toBe(node.inferPredict);
    net.dispose();
  });
});
