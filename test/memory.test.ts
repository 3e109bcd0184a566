// Memory: nothing leaks across create/fit/dispose cycles, forgotten networks are reclaimed,
// and arena fragmentation cannot grow the wasm memory without bound.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/index.js';
import { loadRuntime as init } from '../src/wasm.js';

describe('memory', () => {
  it('10,000 create/fit/dispose cycles leave wasm memory and the JS heap flat; forgotten networks are freed', () => {
    const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
    const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', child], { encoding: 'utf8' }));
    expect(r.wasm1).toBe(r.wasm0); // the memory never grew
    expect(r.inUse1).toBe(r.inUse0); // every region came back
    expect(r.heap1 - r.heap0).toBeLessThan(2 * 1024 * 1024);
    expect(r.forgottenPeak - r.inUse0).toBeGreaterThan(200 * 64 * 4 * 4); // they did hold memory
    expect(r.afterGc - r.inUse0).toBeLessThan((r.forgottenPeak - r.inUse0) / 10); // and the registry freed it
  }, 120_000);

  it('a first network that grows the memory while it is planned works (fresh process)', () => {
    // Regression: a typed-array view taken before an allocation that grew (detached) the memory
    // dropped the descriptor writes that followed, and the first forward pass trapped.
    const script = `
      const { Network } = await import(${JSON.stringify(new URL('../dist/node.js', import.meta.url).href)});
      const opts = { inputSize: 4096, layers: [{ units: 4096, activation: 'relu' }, { units: 3 }], loss: 'mse', seed: 1 };
      const wasm = await Network.create(opts);
      const js = await Network.create({ ...opts, backend: 'js' });
      const x = Float32Array.from({ length: 4096 * 2 }, (_, i) => Math.sin(i));
      const a = wasm.predict(x), b = js.predict(x);
      process.stdout.write(JSON.stringify(Array.from(a, (v, i) => Math.abs(v - b[i]))));`;
    const diffs: number[] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(diffs.length).toBe(6);
    expect(Math.max(...diffs)).toBeLessThan(1e-3);
  }, 60_000);

  it('random sizes and dispose orders do not grow memory without bound (fragmentation)', async () => {
    const rt = await init();
    let s = 99;
    const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
    const live: Network[] = [];
    let maxLiveBytes = 0;
    const start = rt.arena.bytesInUse;
    for (let i = 0; i < 1500; i++) {
      const net = await Network.create({
        inputSize: 1 + rnd(200),
        layers: [{ units: 1 + rnd(300), activation: 'relu' }, { units: 1 + rnd(20), activation: 'linear' }],
        loss: 'mse',
      });
      live.push(net);
      if (live.length > 8) live.splice(rnd(live.length), 1)[0].dispose();
      maxLiveBytes = Math.max(maxLiveBytes, rt.arena.bytesInUse - start);
    }
    // Worst-case live set is ~9 networks; first-fit with coalescing must stay within a small
    // factor of it (plus the initial 16 MiB the memory starts with).
    expect(rt.memory.buffer.byteLength).toBeLessThanOrEqual(16 * 1024 * 1024 + 4 * maxLiveBytes);
    live.forEach((n) => n.dispose());
    expect(rt.arena.bytesInUse).toBe(start);
  }, 60_000);

  it('memoryBytes reports what a network holds, matching the README formula', async () => {
    const net = await Network.create({
      inputSize: 784,
      layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    });
    const P = 784 * 128 + 128 + 128 * 10 + 10;
    const rows = 256;
    const units = 138;
    const pack = 4 * Math.max(rows, 128) * 784; // widest input (784) is already a multiple of 8
    const packedWt = 4 * (784 * 128 + 128 * 16);
    const expected = 16 * P + 12 * rows * units + 4 * rows * (784 + 10 + 1) + pack + packedWt;
    // Descriptor, 32-float tile and 16-byte rounding come on top: a few hundred bytes.
    expect(net.memoryBytes).toBeGreaterThanOrEqual(expected);
    expect(net.memoryBytes).toBeLessThan(expected + 1024);
    net.dispose();
  });
});
