// What a network holds in wasm linear memory: its regions (pointer -> bytes) taken from the
// runtime's arena, typed-array views of the memory, and their release. The float network
// (src/core-net.ts) and the int8 one (src/quantized.ts) both build on it.

import type { Arena } from './arena.js';

/** The part of a runtime a network's memory needs. */
export interface MemoryRuntime {
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
}

export class Regions<R extends MemoryRuntime = MemoryRuntime> {
  /** Every region held: pointer -> bytes. */
  protected readonly regions = new Map<number, number>();
  protected disposed = false;
  private views: { generation: number; f32: Float32Array; u32: Uint32Array; f64: Float64Array } | null = null;

  constructor(protected readonly rt: R) {}

  /** Bytes of wasm memory held now. */
  get memoryBytes(): number {
    let total = 0;
    for (const bytes of this.regions.values()) total += bytes;
    return total;
  }

  // Views over the memory, re-created only after the arena grew it (a grow replaces a
  // non-shared buffer and leaves a shared one's old views short); never held across a call
  // that can allocate.
  protected view(): { f32: Float32Array; u32: Uint32Array; f64: Float64Array } {
    const generation = this.rt.arena.generation;
    if (!this.views || this.views.generation !== generation) {
      const buffer = this.rt.memory.buffer;
      this.views = { generation, f32: new Float32Array(buffer), u32: new Uint32Array(buffer), f64: new Float64Array(buffer) };
    }
    return this.views;
  }
  protected get f32(): Float32Array {
    return this.view().f32;
  }
  protected get u32(): Uint32Array {
    return this.view().u32;
  }
  protected get f64(): Float64Array {
    return this.view().f64;
  }

  protected alloc(bytes: number, zero = false): number {
    const ptr = this.rt.arena.alloc(bytes, zero);
    this.regions.set(ptr, bytes);
    return ptr;
  }

  protected freeRegion(ptr: number): void {
    this.rt.arena.free(ptr);
    this.regions.delete(ptr);
  }

  /**
   * New regions of `bytes` each (0 bytes: no region, pointer 0) in place of the regions `old`,
   * all allocated before any is freed, so that on OUT_OF_MEMORY nothing changed.
   */
  protected replaceRegions(old: number[], bytes: number[]): number[] {
    const fresh: number[] = [];
    try {
      for (const b of bytes) fresh.push(b ? this.rt.arena.alloc(b) : 0);
    } catch (e) {
      for (const p of fresh) if (p) this.rt.arena.free(p);
      throw e;
    }
    for (const p of old) if (p) this.freeRegion(p);
    fresh.forEach((p, i) => p && this.regions.set(p, bytes[i]));
    return fresh;
  }

  /** Frees every region held (a plan that failed part way leaves nothing behind). */
  protected freeAll(): void {
    for (const p of this.regions.keys()) this.rt.arena.free(p);
    this.regions.clear();
  }

  /** Frees every region; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeAll();
  }
}
