// wasm-mlp export: the model in another format (ONNX) for other runtimes.

import { writeFileSync } from 'node:fs';
import type { Library } from './library.js';
import { parse, positionals, required } from './args.js';
import { loadModel } from './model.js';

export const exportHelp = `Usage: wasm-mlp export MODEL.wmlp --onnx FILE

Writes the network as an ONNX model (opset 13, float input 'x' of shape [batch,
features] in the feature order 'wasm-mlp summary' lists, output 'y': the class
probabilities or the regression value), e.g. for ONNX Runtime.

Options:
  --onnx FILE   the .onnx file to write (required)
  -h, --help    this help
`;

export async function exportModel(lib: Library, args: string[]): Promise<void> {
  const { values, positionals: p } = parse('export', args, { onnx: { type: 'string' } });
  if (values.help) {
    process.stdout.write(exportHelp);
    return;
  }
  const [modelFile] = positionals('export', p, ['model file']);
  const onnxFile = required('export', values, 'onnx');
  const { net, meta } = await loadModel(lib, modelFile);
  try {
    const bytes = net.toONNX();
    writeFileSync(onnxFile, bytes);
    process.stdout.write(`wrote ${onnxFile} (${bytes.length.toLocaleString('en-US')} bytes; input x: ${meta.features.length} features, output y: ${net.outputSize} values)\n`);
  } finally {
    net.dispose();
  }
}
