// The inference Worker's fetch handler, shared by the workerd entry (workerd-infer.mjs) and the
// edge-runtime entry (edge-infer.mjs); bundled with the installed package, so it is plain JS.
//   POST /predict         body: rows of 784 float32 pixels -> the saved model's outputs (float32 bytes)
//   POST /predict?batch   the same through predictBatch(x, out)
//   GET  /default-init    what init() without a source, and init(bytes), do in this runtime (JSON)
// `wasm()` gives what init() is handed (a WebAssembly.Module, or fetch() of the wasm's URL);
// it is called once, on the first prediction, since init() keeps its first success.
import { init, InferenceNetwork, WasmMlpError } from 'wasm-mlp/infer';

/** A minimal valid wasm module (magic and version, nothing else). */
const EMPTY_WASM = [0, 97, 115, 109, 1, 0, 0, 0];

async function outcome(f) {
  try {
    await f();
    return { ok: true };
  } catch (e) {
    return { ok: false, isWasmMlpError: e instanceof WasmMlpError, name: e?.name, code: e?.code, message: String(e?.message ?? e) };
  }
}

let network = null;

export async function handle(request, { wasm, model }) {
  const { pathname, searchParams } = new URL(request.url);
  if (request.method === 'POST' && pathname === '/predict') {
    network ??= init(wasm()).then(() => InferenceNetwork.load(new Uint8Array(model)));
    network.catch(() => (network = null));
    const net = await network;
    const x = new Float32Array(await request.arrayBuffer());
    const y = searchParams.has('batch')
      ? net.predictBatch(x, new Float32Array((x.length / net.inputSize) * net.outputSize))
      : net.predict(x);
    return new Response(y, { headers: { 'content-type': 'application/octet-stream' } });
  }
  if (request.method === 'GET' && pathname === '/default-init') {
    return Response.json({
      defaultInit: await outcome(() => init()),
      bytesInit: await outcome(() => init(new Uint8Array(EMPTY_WASM))),
    });
  }
  return new Response('not found', { status: 404 });
}
