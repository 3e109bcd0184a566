// workerd, inference: an ES module Worker as a Cloudflare user writes it. The wasm is a
// CompiledWasm module (workerd refuses to compile bytes at run time) and the saved model a
// Data module (an ArrayBuffer). Bundled from <app>/edge-workerd/, so '../model.bin' is the
// app's model.bin and 'wasm-mlp/...' the installed package.
import wasm from 'wasm-mlp/infer.wasm';
import model from '../model.bin';
import { handle } from './handler.mjs';

export default {
  fetch: (request) => handle(request, { wasm: () => wasm, model }),
};
