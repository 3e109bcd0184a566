// Runs in Chromium (test/browser.test.ts): the built package loaded by a real browser, the wasm
// fetched over HTTP. Trains a fixed network and reports weight bits and predictions.
import { Network } from '/dist/index.js'; // the package's browser entry
import { trainFixed } from '/test/determinism-task.mjs';

try {
  const hex = await trainFixed(Network, 'wasm');
  const net = await Network.create({
    inputSize: 2,
    layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
    loss: 'binary-cross-entropy',
    optimizer: { kind: 'adam', learningRate: 0.05 },
    seed: 1,
  });
  await net.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 500, batchSize: 4 });
  const xor = Array.from(net.predict([[0, 0], [0, 1], [1, 0], [1, 1]]));
  window.__result = { hex, xor, simd: WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) };
} catch (e) {
  window.__result = { error: String(e && e.stack ? e.stack : e) };
}
