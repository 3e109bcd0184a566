// CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320) of a model file, for the loader of the
// inference entry (src/infer.ts). In a fresh process JS ran the byte-wise loop over a 400 KB
// model for about 3 ms, interpreted until V8 had optimised it; here it takes a fraction of a
// millisecond from the first call (bench/notes/cold.md). Slicing-by-8: eight tables of 256
// words (8 KB of static data), built at the first call; wasm loads are little-endian, as the
// algorithm wants.

const TABLES = memory.data(8 * 256 * 4, 16);

// @ts-ignore: decorator
@inline function entry(t: u32, i: u32): u32 {
  return load<u32>(TABLES + (<usize>t << 10) + (<usize>i << 2));
}

function buildTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  // Table t advances table t-1's remainder by one more zero byte.
  for (let n: u32 = 0; n < 256; n++) {
    let c = entry(0, n);
    for (let t: u32 = 1; t < 8; t++) {
      c = entry(0, c & 0xff) ^ (c >>> 8);
      store<u32>(TABLES + (<usize>t << 10) + (<usize>n << 2), c);
    }
  }
}

/**
 * CRC-32 of the n bytes at p following bytes whose CRC-32 is `prior` (0: none), as zlib's
 * crc32(crc, buf, len): the CRC of a file whose parts lie in two regions is that of the second
 * continued from that of the first.
 */
export function crc32(p: usize, n: i32, prior: u32): u32 {
  if (entry(0, 1) == 0) buildTables(); // entry 1 is 0x77073096 once built
  let crc: u32 = ~prior;
  const end = p + <usize>n;
  for (; p + 8 <= end; p += 8) {
    const a = crc ^ load<u32>(p);
    const b = load<u32>(p, 4);
    crc = entry(7, a & 0xff) ^ entry(6, (a >>> 8) & 0xff) ^ entry(5, (a >>> 16) & 0xff) ^ entry(4, a >>> 24)
      ^ entry(3, b & 0xff) ^ entry(2, (b >>> 8) & 0xff) ^ entry(1, (b >>> 16) & 0xff) ^ entry(0, b >>> 24);
  }
  for (; p < end; p++) crc = entry(0, (crc ^ <u32>load<u8>(p)) & 0xff) ^ (crc >>> 8);
  return ~crc;
}
