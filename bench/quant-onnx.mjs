// Writes the float ONNX exports of bench/quant.mjs's two networks (same seeds) to a folder;
// bench/quant-onnx.py then quantizes them dynamically for ONNX Runtime (run once; the .int8.onnx
// results are committed in bench/models/, so the bench itself needs no Python):
//   node bench/quant-onnx.mjs /tmp/onnx && /tmp/onnx-venv/bin/python bench/quant-onnx.py /tmp/onnx bench/models
import { writeFileSync, mkdirSync } from 'node:fs';
import { Network } from 'wasm-mlp';

const dir = process.argv[2] ?? '/tmp/onnx';
mkdirSync(dir, { recursive: true });
for (const hidden of [[128], [512, 512]]) {
  const net = await Network.create({
    inputSize: 784,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    seed: 1,
    threads: 1,
  });
  writeFileSync(`${dir}/784-${hidden.join('-')}-10.onnx`, net.toONNX());
  net.dispose();
}
