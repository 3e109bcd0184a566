// The inference entry's fast loader (bench/notes/cold.md): it copies a binary model's
// parameter block once, into the region that becomes the network's, and checks the file's
// CRC-32 (continued over that region) and finiteness in the wasm core (crc32 of
// assembly/crc.ts, firstNonFinite). Here, from the installed package: the core's CRC against a
// bit-by-bit reference, and the loader's verdicts and messages on files it must refuse or
// read at any alignment. (No timings: those are bench/cold-start.mjs's.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const pkg = join(inject('packedApp'), 'node_modules', 'wasm-mlp');
const entry = async (file: string) => import(/* @vite-ignore */ pathToFileURL(join(pkg, 'dist', file)).href);

/** CRC-32 (IEEE, reflected 0xEDB88320), one bit at a time: the definition, no tables. */
function crcReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('the inference core crc32', () => {
  const memory = new WebAssembly.Memory({ initial: 4 });
  const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(pkg, 'build', 'infer.wasm'))), {
    env: { memory, now: () => 0 },
  }).exports as { crc32(p: number, n: number, prior: number): number };
  const crcAt = (bytes: Uint8Array, p: number): number => {
    new Uint8Array(memory.buffer, p, bytes.length).set(bytes);
    return core.crc32(p, bytes.length, 0) >>> 0;
  };

  it('is the standard CRC-32 ("123456789" -> 0xCBF43926, empty -> 0)', () => {
    expect(crcAt(new TextEncoder().encode('123456789'), 65536)).toBe(0xcbf43926);
    expect(crcAt(new Uint8Array(0), 65536)).toBe(0);
  });

  it('equals the bit-by-bit reference for every length 0..40 at every alignment, and a long buffer', () => {
    let seed = 7;
    const random = (n: number) => Uint8Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    for (let n = 0; n <= 40; n++) {
      for (let align = 0; align < 8; align++) {
        const bytes = random(n);
        expect(crcAt(bytes, 65536 + align), `length ${n}, offset ${align}`).toBe(crcReference(bytes));
      }
    }
    const long = random(100_003);
    expect(crcAt(long, 65536 + 3)).toBe(crcReference(long));
  });

  it('continues a CRC: the CRC of a buffer split anywhere, its two parts in different places, is the whole one\'s', () => {
    let seed = 3;
    const bytes = Uint8Array.from({ length: 1000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const whole = crcReference(bytes);
    for (const cut of [0, 1, 7, 8, 9, 333, 999, 1000]) {
      const first = crcAt(bytes.subarray(0, cut), 65536);
      new Uint8Array(memory.buffer, 131072 + (cut % 5), 1000 - cut).set(bytes.subarray(cut));
      expect(core.crc32(131072 + (cut % 5), 1000 - cut, first) >>> 0, `cut at ${cut}`).toBe(whole);
    }
  });
});

describe('InferenceNetwork.load of binary models', async () => {
  const { Network } = await entry('node.js');
  const { InferenceNetwork } = await entry('infer.node.js');
  const net = await Network.create({ inputSize: 5, layers: [{ units: 4, activation: 'tanh' }, { units: 3, activation: 'softmax' }], seed: 11 });
  const saved: Uint8Array = net.save();
  const x = new Float32Array([0.1, -0.2, 0.3, 0.4, -0.5, 1, 2, 3, 4, 5]);
  const expected: Float32Array = net.predict(x);
  const hlen = new DataView(saved.buffer, saved.byteOffset).getUint32(8, true);
  const base = 16 + ((hlen + 3) & ~3);

  /** saved with parameter i set to v and the CRC rewritten, so that only the value is wrong. */
  const withParam = (i: number, v: number): Uint8Array => {
    const bytes = saved.slice();
    const view = new DataView(bytes.buffer);
    view.setFloat32(base + 4 * i, v, true);
    view.setUint32(bytes.length - 4, crcReference(bytes.subarray(0, bytes.length - 4)), true);
    return bytes;
  };

  it('predicts the full network bits from the file at any byte offset of its buffer', async () => {
    for (let offset = 0; offset < 4; offset++) {
      const buffer = new Uint8Array(saved.length + offset);
      buffer.set(saved, offset);
      const inf = await InferenceNetwork.load(buffer.subarray(offset));
      expect(inf.predict(x)).toEqual(expected);
      inf.dispose();
    }
    const inf = await InferenceNetwork.load(saved.slice().buffer);
    expect(inf.predict(x)).toEqual(expected);
    inf.dispose();
  });

  it('reads a pooled Node Buffer, a Buffer at an odd offset and an ArrayBuffer from another realm as the file itself', async () => {
    const { runInNewContext } = await import('node:vm');
    const pooled = Buffer.from(saved); // a view into Node's shared pool when small enough
    const slab = Buffer.alloc(saved.length + 7);
    slab.set(saved, 7);
    const foreign = runInNewContext('new ArrayBuffer(n)', { n: saved.length }) as ArrayBuffer;
    new Uint8Array(foreign).set(saved);
    expect(foreign instanceof ArrayBuffer).toBe(false);
    for (const file of [pooled, slab.subarray(7), foreign]) {
      const inf = await InferenceNetwork.load(file);
      expect(inf.predict(x)).toEqual(expected);
      inf.dispose();
    }
  });

  it('refuses a file whose frame does not hold together before staging anything: the same messages as before', async () => {
    const inUse = (n: unknown): number => (n as { core: { rt: { arena: { bytesInUse: number } } } }).core.rt.arena.bytesInUse;
    const probe = await InferenceNetwork.load(saved);
    const before = inUse(probe);
    const longer = new Uint8Array(saved.length + 8);
    longer.set(saved);
    const badMagic = saved.slice();
    badMagic[0] = 0;
    await expect(InferenceNetwork.load(saved.subarray(0, 19))).rejects.toThrow(/file too short \(19 bytes\)/);
    await expect(InferenceNetwork.load(badMagic)).rejects.toThrow(/bad magic number/);
    await expect(InferenceNetwork.load(longer)).rejects.toThrow(/but its header declares/);
    await expect(InferenceNetwork.load(saved.subarray(0, saved.length - 1))).rejects.toThrow(/but its header declares/);
    expect(inUse(probe)).toBe(before);
    // 32 MB that start like a model but whose size word does not match: refused without the
    // wasm memory growing by their size (it never shrinks).
    const memoryBytes = (probe as unknown as { core: { rt: { memory: WebAssembly.Memory } } }).core.rt.memory.buffer.byteLength;
    const big = new Uint8Array(32 << 20);
    big.set(saved.subarray(0, 16));
    await expect(InferenceNetwork.load(big)).rejects.toThrow(/but its header declares/);
    expect((probe as unknown as { core: { rt: { memory: WebAssembly.Memory } } }).core.rt.memory.buffer.byteLength).toBe(memoryBytes);
    probe.dispose();
  });

  it('refuses a flipped byte anywhere (header, parameters, checksum) with the checksum message', async () => {
    for (const at of [20, base, base + 13, saved.length - 5, saved.length - 1]) {
      const bytes = saved.slice();
      bytes[at] ^= 0x10;
      await expect(InferenceNetwork.load(bytes), `byte ${at}`).rejects.toThrow(/^Network\.load: checksum mismatch; the file is corrupt$/);
    }
  });

  it('refuses a NaN or infinite parameter (CRC valid) naming the first one', async () => {
    const count = new DataView(saved.buffer, saved.byteOffset).getUint32(12, true);
    for (const [i, v] of [[0, NaN], [7, Infinity], [count - 1, -Infinity]] as const) {
      const err = await InferenceNetwork.load(withParam(i, v)).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'INVALID_MODEL', message: `Network.load: parameter ${i} is ${v}` });
    }
    // Two bad values: the first is named.
    const two = withParam(9, -Infinity);
    new DataView(two.buffer).setFloat32(base + 4 * 30, NaN, true);
    new DataView(two.buffer).setUint32(two.length - 4, crcReference(two.subarray(0, two.length - 4)), true);
    await expect(InferenceNetwork.load(two)).rejects.toThrow(/^Network\.load: parameter 9 is -Infinity$/);
    // The largest finite float32 is accepted.
    const big = await InferenceNetwork.load(withParam(3, 3.4028234663852886e38));
    big.dispose();
  });

  it('holds only the network\'s regions after a load and nothing after a refusal (the staged parameter block is freed), and leaves the caller\'s bytes as they were', async () => {
    // White box: the runtime's arena (private in TS, plain fields in the bundle) holds exactly
    // the loaded networks' regions; a parameter block staged and not freed would add its size each time.
    const inUse = (n: unknown): number => (n as { core: { rt: { arena: { bytesInUse: number } } } }).core.rt.arena.bytesInUse;
    const probe = await InferenceNetwork.load(saved);
    const before = inUse(probe);
    const copy = saved.slice();
    for (let i = 0; i < 3; i++) {
      const inf = await InferenceNetwork.load(copy);
      expect(inUse(probe)).toBeGreaterThanOrEqual(before + inf.memoryBytes);
      inf.dispose();
      expect(inUse(probe)).toBe(before);
      const corrupt = saved.slice();
      corrupt[base + 5] ^= 1;
      await expect(InferenceNetwork.load(corrupt)).rejects.toThrow(/checksum mismatch/);
      await expect(InferenceNetwork.load(withParam(2, NaN))).rejects.toThrow(/parameter 2 is NaN/);
      expect(inUse(probe)).toBe(before);
    }
    expect(copy).toEqual(saved);
    expect(probe.predict(x)).toEqual(expected);
    probe.dispose();
  });
});
