// Finding, compiling and instantiating a wasm core, in any runtime. Shared by the full entry
// (src/wasm.ts) and the inference entry (src/infer.ts). Everything a user may hand over is
// duck-typed rather than tested with `instanceof`, so a Module or Response made in another
// realm (an edge runtime's sandbox, an iframe) is accepted.

import { WasmMlpError, describe } from './errors.js';
import { platform } from './platform.js';

/**
 * Where a wasm module comes from: a compiled WebAssembly.Module (what workerd and Vercel's
 * edge require), its bytes (ArrayBuffer or a view), a fetch Response or a promise of one
 * (`fetch(url)`), a URL, or a URL string (a relative one resolves against the page, or the
 * working directory in Node, Deno and Bun, never against the package). Objects from another
 * realm (an edge sandbox, an iframe) are accepted.
 */
export type WasmSource =
  | WebAssembly.Module
  | ArrayBuffer
  | ArrayBufferView
  | Response
  | PromiseLike<Response>
  | URL
  | string;

/** The import object of every core instance, on every thread. */
export function coreImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory, now: () => performance.now() } };
}

function unavailable(message: string): WasmMlpError {
  return new WasmMlpError('WASM_UNAVAILABLE', message);
}

/**
 * The package's own copy of a wasm file. `make` holds the literal
 * `new URL('../build/x.wasm', import.meta.url)`, the form Vite and webpack turn into an asset;
 * where the runtime has no module URL (workerd, an IIFE bundle) it throws, and the user must
 * say where the file is.
 */
export function packageFile(make: () => URL, file: string): URL {
  try {
    return make();
  } catch {
    throw unavailable(
      `cannot locate ${file}: this runtime gives the package no module URL (import.meta.url). Call init(source) first, with a WebAssembly.Module (e.g. \`import wasm from 'wasm-mlp/${file}'\` in a Worker), the file's bytes, a Response or its URL`,
    );
  }
}

const tag = (x: unknown): string => Object.prototype.toString.call(x).slice(8, -1);
const isModule = (x: unknown): x is WebAssembly.Module => tag(x) === 'WebAssembly.Module';
const isBytes = (x: unknown): x is ArrayBuffer | ArrayBufferView =>
  ArrayBuffer.isView(x) || tag(x) === 'ArrayBuffer' || tag(x) === 'SharedArrayBuffer';
const isResponse = (x: unknown): x is Response =>
  typeof x === 'object' && x !== null && typeof (x as Response).arrayBuffer === 'function' && typeof (x as Response).status === 'number';
const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  typeof x === 'object' && x !== null && typeof (x as PromiseLike<unknown>).then === 'function';

/** What a source is, for messages: "a Response (HTTP 404 from https://...)". */
function what(source: unknown): string {
  if (isResponse(source)) return `a Response (HTTP ${source.status}${source.url ? ` from ${source.url}` : ''})`;
  if (source instanceof URL || typeof source === 'string') return `the URL ${String(source)}`;
  if (isBytes(source)) return `${source.byteLength} bytes`;
  return describe(source);
}

async function toUrl(source: URL | string): Promise<URL> {
  if (typeof source !== 'string') return source;
  // An absolute URL as it is; a relative one against the page (browsers) or the working
  // directory (Node, Deno, Bun), never against this package's folder.
  const base = await platform().baseUrl();
  try {
    return new URL(source, base);
  } catch {
    throw unavailable(`init: cannot resolve the relative URL ${JSON.stringify(source)}: this runtime has no page or working directory to resolve it against; pass an absolute URL`);
  }
}

async function compileResponse(response: Response): Promise<WebAssembly.Module> {
  if (!response.ok) throw new Error(`HTTP ${response.status}${response.url ? ` from ${response.url}` : ''}`);
  const type = response.headers?.get?.('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.split(';')[0].trim() === 'application/wasm' && typeof response.clone === 'function') {
    // Some runtimes refuse their own Response in compileStreaming (edge-runtime's comes from
    // another realm): compile its bytes instead.
    const copy = response.clone();
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      if (e instanceof WebAssembly.CompileError) throw e;
      return WebAssembly.compile(await copy.arrayBuffer());
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles any WasmSource; failures become WASM_UNAVAILABLE naming what was given. */
export async function compileSource(source: WasmSource): Promise<WebAssembly.Module> {
  const given: unknown = source;
  try {
    if (isModule(given)) return given;
    if (isBytes(given)) return await WebAssembly.compile(given as BufferSource);
    if (typeof given === 'string' || tag(given) === 'URL') {
      const url = await toUrl(given as unknown as URL | string);
      const read = platform().readFile;
      if (url.protocol === 'file:' && read) return await WebAssembly.compile((await read(url)) as BufferSource);
      return await compileResponse(await fetch(url));
    }
    if (isResponse(given)) return await compileResponse(given);
    if (isThenable(given)) return await compileSource((await given) as WasmSource);
  } catch (e) {
    if (e instanceof WasmMlpError) throw e;
    throw unavailable(`could not load the wasm module from ${what(source)}: ${(e as Error).message}`);
  }
  throw unavailable(`init: expected a WebAssembly.Module, bytes, a Response or a URL, got ${what(source)}`);
}

/**
 * Instantiates `module` over `memory` and checks it is the core expected (a wasm file of
 * another program, or the other build, lacks its exports). Synchronous where allowed (~1 ms in
 * Node, where the asynchronous path waits ~40 ms); a browser's main thread may refuse that for
 * a module this size, so the asynchronous path follows.
 */
export async function instantiateCore<T>(module: WebAssembly.Module, memory: WebAssembly.Memory, required: readonly string[], file: string): Promise<T> {
  let instance: WebAssembly.Instance;
  try {
    try {
      instance = new WebAssembly.Instance(module, coreImports(memory));
    } catch (e) {
      if (e instanceof WebAssembly.LinkError) throw e;
      instance = await WebAssembly.instantiate(module, coreImports(memory));
    }
  } catch (e) {
    throw unavailable(`the module given is not ${file} (it does not instantiate with its imports: ${(e as Error).message})`);
  }
  const exports = instance.exports as Record<string, unknown>;
  const missing = required.filter((name) => typeof exports[name] !== 'function');
  if (missing.length) throw unavailable(`the module given is not ${file}: it has no export ${missing.slice(0, 3).join(', ')}`);
  return exports as T;
}
