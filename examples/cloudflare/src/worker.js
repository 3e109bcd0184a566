// A Cloudflare Worker serving predictions of a saved wasm-mlp model with the inference-only
// entry (about 21 KB gzipped with its wasm). The model is the Iris classifier that
// examples/node/csv.mjs trains; it carries its input normalization and its class names.
//
//   npm install wasm-mlp csv-parse && npm install -D wrangler
//   node ../node/csv.mjs --out src/model.bin      # train and save the model next to this file
//   npx wrangler dev                              # then, in another shell:
//   curl -X POST http://localhost:8787/predict -d '{"rows": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 5.6, 2.4]]}'
//
// workerd does not compile wasm bytes at run time, so the wasm comes in as a module import
// (wrangler compiles it at upload) and is handed to init().
import wasm from 'wasm-mlp/infer.wasm';
import { init, InferenceNetwork, WasmMlpError } from 'wasm-mlp/infer';
import model from './model.bin';

// Loaded on the first request and kept for the isolate's life; a failed load is retried.
let network = null;
function loaded() {
  network ??= init(wasm).then(() => InferenceNetwork.load(new Uint8Array(model)));
  network.catch(() => (network = null));
  return network;
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const net = await loaded();
    if (pathname === '/' && request.method === 'GET') {
      return Response.json({ inputSize: net.inputSize, outputSize: net.outputSize, metadata: net.metadata, usage: 'POST /predict {"rows": [[...], ...]}' });
    }
    if (pathname !== '/predict') return new Response('not found', { status: 404 });
    if (request.method !== 'POST') return new Response('use POST', { status: 405, headers: { allow: 'POST' } });

    let rows;
    try {
      ({ rows } = await request.json());
    } catch {
      return Response.json({ error: 'the body must be JSON: {"rows": [[...], ...]}' }, { status: 400 });
    }
    try {
      const outputs = net.predict(rows); // refuses rows of the wrong length or non-numbers
      return Response.json({ predictions: rows.map((_, i) => describe(outputs.subarray(i * net.outputSize, (i + 1) * net.outputSize), net.metadata)) });
    } catch (error) {
      if (error instanceof WasmMlpError) return Response.json({ error: error.message, code: error.code }, { status: 400 });
      throw error;
    }
  },
};

/** One row's probabilities, and its most likely class by name when the model has names. */
function describe(probabilities, metadata) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  return { class: metadata?.classes?.[best] ?? best, probabilities: Array.from(probabilities) };
}
