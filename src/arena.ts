// Allocation of regions in the wasm linear memory. TS plans all memory; wasm never allocates.
// A first-fit free list with coalescing over [base, memory end); the memory grows in large
// steps (at least doubling) because each non-shared grow detaches the old buffer, which makes
// every typed-array view stale and slows typed-array JS in the whole process.

import { WasmMlpError } from './errors.js';

const PAGE = 65536;
const ALIGN = 16; // v128 loads and stores

export class Arena {
  /** Free blocks [start, end), sorted by start, never adjacent (coalesced). */
  private holes: { start: number; end: number }[] = [];
  private sizes = new Map<number, number>();
  private top: number;
  private used = 0;
  /** Every byte at or above this address has never been handed out, so it is still zero. */
  private pristine: number;
  /** The memory's size in bytes (only this arena grows it). */
  private bytes: number;
  /**
   * Times the memory has grown. Typed-array views stay valid until it changes: readers compare
   * it instead of calling `memory.buffer`, a getter that costs ~100 ns on a shared memory.
   */
  generation = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    readonly maxBytes: number,
  ) {
    this.top = align(base);
    this.pristine = this.top;
    this.bytes = memory.buffer.byteLength;
  }

  /** Bytes currently allocated. */
  get bytesInUse(): number {
    return this.used;
  }

  /**
   * A region of at least `bytes` bytes, 16-aligned. With `zero`, its contents are zero: only
   * the part below the never-used mark is cleared, so fresh memory is not touched (its pages
   * stay unmapped until used, which saves start-up time and resident memory).
   */
  alloc(bytes: number, zero = false): number {
    const ptr = this.take(bytes);
    const size = this.sizes.get(ptr)!;
    if (zero && ptr < this.pristine) new Uint8Array(this.memory.buffer, ptr, Math.min(size, this.pristine - ptr)).fill(0);
    this.pristine = Math.max(this.pristine, ptr + size);
    return ptr;
  }

  private take(bytes: number): number {
    const size = align(Math.max(bytes, ALIGN));
    for (let i = 0; i < this.holes.length; i++) {
      const block = this.holes[i];
      if (block.end - block.start >= size) {
        const ptr = block.start;
        block.start += size;
        if (block.start === block.end) this.holes.splice(i, 1);
        this.sizes.set(ptr, size);
        this.used += size;
        return ptr;
      }
    }
    // Extend at the top, reusing a trailing free block.
    let ptr = this.top;
    const lastFree = this.holes[this.holes.length - 1];
    if (lastFree && lastFree.end === this.top) {
      ptr = lastFree.start;
      this.holes.pop();
    }
    const end = ptr + size;
    if (end > this.maxBytes) {
      throw new WasmMlpError(
        'OUT_OF_MEMORY',
        `wasm memory: a region of ${size} bytes does not fit (in use ${this.used} bytes, maximum ${this.maxBytes} bytes)`,
      );
    }
    this.ensure(end);
    this.top = end;
    this.sizes.set(ptr, size);
    this.used += size;
    return ptr;
  }

  /** Bytes of the region at ptr (its size rounded up to 16), or 0 if none starts there. */
  sizeOf(ptr: number): number {
    return this.sizes.get(ptr) ?? 0;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.used -= size;
    let start = ptr;
    let end = ptr + size;
    // Insert sorted and coalesce with neighbours.
    let i = 0;
    while (i < this.holes.length && this.holes[i].start < start) i++;
    const prev = this.holes[i - 1];
    const next = this.holes[i];
    if (next && next.start === end) {
      end = next.end;
      this.holes.splice(i, 1);
    }
    if (prev && prev.end === start) {
      prev.end = end;
      start = prev.start;
    } else {
      this.holes.splice(i, 0, { start, end });
    }
    // A free block touching the top shrinks the used extent, so the next growth reuses it.
    const last = this.holes[this.holes.length - 1];
    if (last && last.end === this.top) {
      this.top = last.start;
      this.holes.pop();
    }
  }

  private ensure(end: number): void {
    const have = this.bytes;
    if (end <= have) return;
    const want = Math.min(Math.max(end, have * 2), this.maxBytes);
    const pages = Math.ceil((want - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new WasmMlpError('OUT_OF_MEMORY', `wasm memory: could not grow to ${want} bytes`);
    }
    this.bytes = this.memory.buffer.byteLength;
    this.generation++;
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
