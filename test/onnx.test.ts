// net.toONNX(): the exported model, run by ONNX Runtime Web (its wasm backend, in Node),
// predicts what the network predicts, for every activation and for deeper stacks.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-web';
import { Network, ACTIVATIONS } from '../src/index.js';

ort.env.wasm.numThreads = 1;

async function runOnnx(model: Uint8Array, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ x: new ort.Tensor('float32', x, [rows, cols]) });
  return out.y.data as Float32Array;
}

describe('ONNX export', () => {
  for (const act of ACTIVATIONS.filter((a) => a !== 'softmax')) {
    it(`${act} hidden layer, softmax and linear outputs match ONNX Runtime`, async () => {
      for (const out of ['softmax', act] as const) {
        const net = await Network.create({ inputSize: 6, layers: [{ units: 9, activation: act }, { units: 4, activation: out }], seed: 11 });
        const x = Float32Array.from({ length: 5 * 6 }, (_, i) => 2 * Math.sin(1.7 * i));
        const ours = net.predict(x);
        const theirs = await runOnnx(net.toONNX(), x, 5, 6);
        expect(theirs.length).toBe(ours.length);
        ours.forEach((v, i) => expect(Math.abs(v - theirs[i]), `${act}/${out} at ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
      }
    });
  }

  it('a trained 3-layer network exports exactly what it learned', async () => {
    const net = await Network.create({
      inputSize: 3,
      layers: [{ units: 16, activation: 'elu' }, { units: 8, activation: 'leaky-relu' }, { units: 2, activation: 'linear' }],
      loss: 'mse',
      optimizer: { kind: 'adam', learningRate: 0.01 },
    });
    const x = Float32Array.from({ length: 64 * 3 }, (_, i) => Math.cos(i));
    const y = Float32Array.from({ length: 64 * 2 }, (_, i) => Math.sin(i));
    await net.fit(x, y, { epochs: 5, batchSize: 16 });
    const ours = net.predict(x);
    const theirs = await runOnnx(net.toONNX(), x, 64, 3);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });
});
