// The inference Worker's fetch handler, shared by the workerd entry (workerd-infer.mjs) and the
// edge-runtime entry (edge-infer.mjs); bundled with the installed package, so it is plain JS.
//   POST /predict         body: rows of 784 float32 pixels -> the saved model's outputs (float32 bytes)
//   POST /predict?batch   the same through predictBatch(x, out)
//   POST /lite            the same through wasm-mlp/lite (lite.load(model).predict(x))
//   POST /lite?batch      the same through lite's predict(x, out)
//   GET  /default-init    what init() without a source, and init(bytes), do in this runtime (JSON)
// `wasm()` gives what init() is handed (a WebAssembly.Module, or fetch() of the wasm's URL);
// it is called once per entry, on its first prediction, since init() keeps its first success.
// lite's init takes a Module or bytes: a Response is read to bytes first, as its docs say.
import { init, InferenceNetwork, WasmMlpError } from 'wasm-mlp/infer';
import * as lite from 'wasm-mlp/lite';

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
let liteNetwork = null;

async function liteLoad(source, model) {
  const given = await source;
  await lite.init(typeof given?.arrayBuffer === 'function' ? await given.arrayBuffer() : given);
  return lite.load(model);
}

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
  if (request.method === 'POST' && pathname === '/lite') {
    liteNetwork ??= liteLoad(wasm(), model);
    liteNetwork.catch(() => (liteNetwork = null));
    const net = await liteNetwork;
    const x = new Float32Array(await request.arrayBuffer());
    const y = searchParams.has('batch') ? net.predict(x, new Float32Array((x.length / net.inputSize) * net.outputSize)) : net.predict(x);
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
