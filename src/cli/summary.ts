// wasm-mlp summary: the network's layer table and what the CLI stored about the data.

import type { Library } from './library.js';
import { parse, positionals } from './args.js';
import { loadModel } from './model.js';

export const summaryHelp = `Usage: wasm-mlp summary MODEL.wmlp

Prints the network (layers, parameters, input normalization, loss, optimizer), its
task, the target column, the classes and the feature columns in input order.

Options:
  -h, --help   this help
`;

export async function summary(lib: Library, args: string[]): Promise<void> {
  const { values, positionals: p } = parse('summary', args, {});
  if (values.help) {
    process.stdout.write(summaryHelp);
    return;
  }
  const [modelFile] = positionals('summary', p, ['model file']);
  const { net, meta } = await loadModel(lib, modelFile);
  try {
    const lines = [
      net.summary(),
      `Task: ${meta.task}; target column: ${meta.target}`,
      ...(meta.classes ? [`Classes (${meta.classes.length}): ${meta.classes.join(', ')}`] : []),
      `Features (${meta.features.length}, in input order): ${meta.features.join(', ')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    net.dispose();
  }
}
