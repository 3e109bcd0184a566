// The inference core (build/infer.wasm) as both serving entries hold it, wasm-mlp/infer
// (src/infer.ts) and wasm-mlp/lite (src/lite.ts): its instance over a fresh memory, and the
// loader's scans of a model file run in it.

import { Arena } from './arena.js';
import type { CoreRuntime, ForwardCore } from './core-net.js';
import type { ModelSpec } from './engine.js';
import { WasmMlpError } from './errors.js';
import { floatParameterBlock, nonFiniteParam, type ModelExtras, type Scans } from './format.js';
import { instantiateCore } from './load.js';
import { ServingNetwork } from './serving-net.js';

const PAGE = 65536;
/** Regions start above the module's static data. */
const STATIC_BYTES = PAGE;
/** 1 MiB to start (a 784-128-10 model and 256 rows need ~1.4 MiB); the arena grows it. */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 65536;

/** infer.wasm's exports. */
export interface InferCore extends ForwardCore {
  /** CRC-32 of n bytes at p, continued from `prior` (the CRC of the bytes before them, or 0). */
  crc32(p: number, n: number, prior: number): number;
}

export type InferRuntime = CoreRuntime<InferCore>;

/** Instantiates infer.wasm over a fresh memory, checking it is the build this JS expects. */
export async function createInferRuntime(module: WebAssembly.Module): Promise<InferRuntime> {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
  const core = await instantiateCore<InferCore>(module, memory, ['forward', 'firstNonFinite', 'crc32'], 'infer.wasm');
  if (core.crc32.length !== 3) {
    // Builds before the continued CRC had crc32(p, n): every file would read as corrupt.
    throw new WasmMlpError('WASM_UNAVAILABLE', `the infer.wasm given is older than this package's JS (its crc32 takes ${core.crc32.length} arguments, not 3); use the one this package ships`);
  }
  return { memory, core, arena: new Arena(memory, STATIC_BYTES, MAXIMUM_PAGES * PAGE) };
}

/**
 * The loader's whole-file scans (CRC, finiteness) in the core: a copy into wasm memory and a
 * SIMD or table loop there cost a fraction of a millisecond in a fresh process, where the
 * same loops in JS run interpreted for milliseconds (bench/notes/cold.md).
 */
export function coreScans(rt: InferRuntime): Scans {
  return {
    crc32: (bytes, start, end) => inCore(rt, bytes.subarray(start, end), (p, n) => rt.core.crc32(p, n, 0) >>> 0),
    firstNonFinite: (values) =>
      inCore(rt, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), (p) => rt.core.firstNonFinite(p, values.length)),
  };
}

/** scan(p, n) over a temporary copy of bytes at p in wasm memory. */
function inCore(rt: InferRuntime, bytes: Uint8Array, scan: (p: number, n: number) => number): number {
  const p = rt.arena.alloc(Math.max(bytes.length, 1));
  try {
    new Uint8Array(rt.memory.buffer, p, bytes.length).set(bytes); // after alloc: a grow detaches the old buffer
    return scan(p, bytes.length);
  } finally {
    rt.arena.free(p);
  }
}

/**
 * The scans of a float file whose parameter block (`block` of the file) has been copied to
 * `params` in wasm memory: the CRC of the whole file is that of the bytes before the block
 * (from a temporary copy), continued over the block where it now lies.
 */
export function blockScans(rt: InferRuntime, block: { offset: number; length: number }, params: number): Scans {
  const copying = coreScans(rt);
  return {
    ...copying,
    // The reader asks for the CRC of bytes [0, length - 4).
    crc32: (all, start, end) =>
      start === 0 && end === all.length - 4
        ? rt.core.crc32(params, block.length, copying.crc32(all, 0, block.offset)) >>> 0
        : copying.crc32(all, start, end),
  };
}

/**
 * A float model file as a ServingNetwork, with one copy of its parameter block: straight into
 * the region that becomes the network's parameters, where the core checks the file's CRC
 * (continued from that of the bytes before the block) and that every parameter is finite.
 * Decoding in JS copied the file three times and ran both scans interpreted
 * (bench/notes/cold.md). Only a block the file's own frame sizes is staged: anything else is
 * refused by `read` first. `read` checks the frame and header (readBinary for wasm-mlp/infer,
 * readServingBinary for wasm-mlp/lite); `where` names the loader in the other errors.
 */
export function loadFloatFile(
  rt: InferRuntime,
  bytes: Uint8Array,
  read: (bytes: Uint8Array, scans: Scans) => { spec: ModelSpec; count: number } & ModelExtras,
  where: string,
): { net: ServingNetwork } & ModelExtras {
  const block = floatParameterBlock(bytes);
  if (!block) {
    // A frame that does not hold together (or an int8 file): the reader says which.
    read(bytes, coreScans(rt));
    throw new WasmMlpError('INVALID_MODEL', `${where}: not a float model file`); // not reached
  }
  let params = rt.arena.alloc(Math.max(block.length, 1));
  try {
    new Uint8Array(rt.memory.buffer, params, block.length).set(bytes.subarray(block.offset, block.offset + block.length));
    const { spec, normalization, metadata, count } = read(bytes, blockScans(rt, block, params)); // the block is count floats
    const bad = rt.core.firstNonFinite(params, count);
    if (bad >= 0) throw nonFiniteParam(bad, new Float32Array(rt.memory.buffer, params, count)[bad], where);
    const net = new ServingNetwork(rt, spec, params, where);
    params = 0; // the network's now
    return { net, normalization, metadata };
  } finally {
    if (params) rt.arena.free(params);
  }
}
