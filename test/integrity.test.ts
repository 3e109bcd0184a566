// Model-file integrity: every single-bit flip of a small model's file (magic, version, sizes,
// header JSON, parameters and the checksum itself) is refused with INVALID_MODEL, exhaustively.
// A CRC-32 detects every single-bit error, so a loader that checks it refuses them all; one that
// skipped the check would load a flipped parameter bit as a changed weight.
import { describe, it, expect } from 'vitest';
import { Network, WasmMlpError } from '../src/index.js';
import { decodeBinary } from '../src/format.js';

describe('model file integrity', () => {
  it('refuses every single-bit flip of a saved model, in every part of the file', async () => {
    const net = await Network.create({ inputSize: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], seed: 4 });
    const bytes = net.save();
    const reasons = new Map<string, number>();
    let flips = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i] ^= 1 << bit;
        flips++;
        let error: unknown = null;
        try {
          decodeBinary(copy);
        } catch (e) {
          error = e;
        }
        if (!(error instanceof WasmMlpError) || error.code !== 'INVALID_MODEL') {
          throw new Error(`byte ${i} bit ${bit} of ${bytes.length}: ${error ? String(error) : 'loaded'}; expected INVALID_MODEL`);
        }
        const reason = error.message.replace(/[0-9]+/g, 'N');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    expect(flips).toBe(bytes.length * 8);
    // The parameters and the header are guarded by the checksum alone.
    expect(reasons.get('Network.load: checksum mismatch; the file is corrupt')).toBeGreaterThan(8 * (bytes.length - 32));
    // Through the public API too (a few: the same decoder), on both backends.
    for (const backend of ['wasm', 'js'] as const) {
      for (const i of [0, 5, 9, 13, 20, bytes.length - 10, bytes.length - 1]) {
        const copy = bytes.slice();
        copy[i] ^= 0x10;
        await expect(Network.load(copy, { backend })).rejects.toMatchObject({ code: 'INVALID_MODEL' });
      }
    }
    // And the untouched file still loads, with the same predictions.
    const back = await Network.load(bytes);
    expect(back.predict([[0.3, -0.2]])).toEqual(net.predict([[0.3, -0.2]]));
    net.dispose();
    back.dispose();
  });
});
