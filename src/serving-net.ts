// A float network as the serving entries hold it in wasm memory (wasm-mlp/infer's
// InferenceNetwork and wasm-mlp/lite's LiteNetwork): three regions and a forward pass, no
// training state. The descriptor is the one CoreNetwork writes (src/core-net.ts's writers), so
// the core computes the same bits; only the plan is flatter, which a cold start feels
// (bench/notes/cold.md, round 3).

import { LAYER_A, LAYER_WORDS, NET_HEADER_WORDS, NET_X } from './abi.js';
import { CHUNK_ROWS, descriptorBytes, packedWtFloats, rowRegionFloats, writeArchitecture, writeRowRegions, type CoreRuntime } from './core-net.js';
import { nonFiniteError } from './data.js';
import { paramLayout, type ModelSpec } from './engine.js';
import { WasmMlpError } from './errors.js';

/** A region's size as the arena hands them out (16-aligned). */
const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Addresses of consecutive sub-regions of `floats` floats each from `p` (0 for an empty one). */
function carve(p: number, floats: readonly number[]): number[] {
  return floats.map((n) => {
    const at = n ? p : 0;
    p += align16(n * 4);
    return at;
  });
}

/** Bytes of {@link carve}'s sub-regions. */
const carvedBytes = (floats: readonly number[]): number => floats.reduce((a, n) => a + align16(n * 4), 0);

/**
 * Parameters `values` (the block layout of src/engine.ts) copied into a new region of the
 * runtime's arena: what a {@link ServingNetwork} takes when they do not come from a file's block.
 */
export function parameterRegion(rt: CoreRuntime, values: Float32Array): number {
  const p = rt.arena.alloc(Math.max(values.length * 4, 1));
  new Float32Array(rt.memory.buffer, p, values.length).set(values); // after alloc: a grow detaches the old buffer
  return p;
}

export class ServingNetwork {
  // Three regions: the parameters (given); the descriptor, tile scratch and every layer's
  // packed W^T; the rows of a batch of up to CHUNK_ROWS (X, packing scratch, Z and A per layer).
  private readonly fixed: number;
  private readonly rows: number;
  private disposed = false;

  /**
   * Plans a network over `params`, a region of the arena holding its parameters, which it
   * takes (a constructor that throws leaves it to the caller). Rows for CHUNK_ROWS are planned
   * whatever the batches will be: the core's small-batch path writes m rows rounded up to 4
   * (assembly/small.ts), trusting every activation region to hold 256 rows, as CoreNetwork
   * plans them. So predict never allocates, and a model whose rows would not fit is refused
   * here, as OUT_OF_MEMORY naming `where`.
   */
  constructor(
    readonly rt: CoreRuntime,
    readonly spec: ModelSpec,
    private readonly params: number,
    where: string,
  ) {
    const parts = [descriptorBytes(spec.layers.length) / 4, 32, ...packedWtFloats(spec)];
    const rows = rowRegionFloats(spec, CHUNK_ROWS, false);
    const { arena, memory } = rt;
    const need = carvedBytes(parts) + carvedBytes(rows);
    if (need > arena.maxBytes - arena.bytesInUse) {
      throw new WasmMlpError(
        'OUT_OF_MEMORY',
        `${where}: this model needs ${need} bytes of wasm memory besides its parameters (packed weights, activations for ${CHUNK_ROWS} rows); ${arena.maxBytes - arena.bytesInUse} bytes are available`,
      );
    }
    this.fixed = arena.alloc(carvedBytes(parts), true); // zeroed, as the descriptor must be
    try {
      this.rows = arena.alloc(carvedBytes(rows));
    } catch (e) {
      arena.free(this.fixed);
      throw e;
    }
    const at = carve(this.fixed, parts);
    const u32 = new Uint32Array(memory.buffer);
    writeArchitecture(u32, new Float32Array(memory.buffer), this.fixed, spec, paramLayout(spec), params, at[1], at.slice(2));
    writeRowRegions(u32, this.fixed, spec, CHUNK_ROWS, carve(this.rows, rows), rows[2] * 4, false);
  }

  /** Bytes of wasm memory held (parameters, packed weights, 256 rows of activations); 0 once disposed. */
  get memoryBytes(): number {
    const { arena } = this.rt;
    return this.disposed ? 0 : arena.sizeOf(this.params) + arena.sizeOf(this.fixed) + arena.sizeOf(this.rows);
  }

  /**
   * Outputs of the m rows of x (m x inputSize, already normalized) into out, from index 0.
   * A NaN or infinity in x is an INVALID_DATA error naming `name`, its row and column; with
   * more than one chunk of rows, every row is checked before any output is written.
   */
  predict(x: Float32Array, m: number, out: Float32Array, name: string): void {
    const nin = this.spec.inputSize;
    const nout = this.spec.layers[this.spec.layers.length - 1].units;
    const { core, memory } = this.rt;
    const word = this.fixed >>> 2;
    const u32 = new Uint32Array(memory.buffer); // the core never grows the memory
    const f32 = new Float32Array(memory.buffer);
    const X = u32[word + NET_X];
    const A = u32[word + NET_HEADER_WORDS + (this.spec.layers.length - 1) * LAYER_WORDS + LAYER_A] >>> 2;
    /** Rows [r, r + rows) into X, checked there for NaN and infinities unless `checked` already. */
    const stage = (r: number, rows: number, checked: boolean): void => {
      f32.set(x.subarray(r * nin, (r + rows) * nin), X >>> 2);
      if (checked) return;
      const bad = core.firstNonFinite(X, rows * nin);
      if (bad >= 0) throw nonFiniteError(name, x[r * nin + bad], r * nin + bad, nin);
    };
    const checkFirst = m > CHUNK_ROWS;
    if (checkFirst) for (let r = 0; r < m; r += CHUNK_ROWS) stage(r, Math.min(CHUNK_ROWS, m - r), false);
    for (let r = 0; r < m; r += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, m - r);
      stage(r, rows, checkFirst);
      core.forward(this.fixed, rows);
      out.set(f32.subarray(A, A + rows * nout), r * nout);
    }
  }

  /** Frees the network's regions, its parameters' too; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of [this.params, this.fixed, this.rows]) this.rt.arena.free(p);
  }
}
