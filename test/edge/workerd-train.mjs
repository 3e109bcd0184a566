// workerd, training: the full entry with its wasm as a CompiledWasm module runs the job every
// runtime runs (test/runtimes/task.mjs, copied into the app) on the digits file, a Data module,
// and answers its JSON. Bundled from <app>/edge-workerd/ (see workerd-infer.mjs).
import { init, Network } from 'wasm-mlp';
import { init as initInference, InferenceNetwork } from 'wasm-mlp/infer';
import wasm from 'wasm-mlp/wasm-mlp.wasm';
import inferenceWasm from 'wasm-mlp/infer.wasm';
import digits from '../digits.bin';
import { runTask } from '../task.mjs';

export default {
  async fetch() {
    await init(wasm);
    await initInference(inferenceWasm);
    return Response.json(await runTask({ Network, InferenceNetwork }, new Uint8Array(digits)));
  },
};
