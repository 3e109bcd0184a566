// edge-runtime (Vercel), inference: the same handler as a service-worker style script (the
// runtime evaluates scripts, so this is bundled as an IIFE). The model is bundled as bytes;
// the host puts the wasm in the context: WASM_MODULE (a WebAssembly.Module compiled in the host
// realm) or WASM_URL (fetched here, so init() gets a Promise<Response> of application/wasm).
// GET /compile-streaming reports what the runtime's own WebAssembly.compileStreaming does with
// that response (the reason src/load.ts keeps a fallback to the bytes).
import model from '../model.bin';
import { handle } from './handler.mjs';

const wasm = () => (globalThis.WASM_URL ? fetch(globalThis.WASM_URL) : globalThis.WASM_MODULE);

async function compileStreaming() {
  try {
    await WebAssembly.compileStreaming(fetch(globalThis.WASM_URL));
    return Response.json({ ok: true });
  } catch (e) {
    return Response.json({ ok: false, name: e?.name, message: String(e?.message ?? e) });
  }
}

addEventListener('fetch', (event) => {
  const { pathname } = new URL(event.request.url);
  event.respondWith(pathname === '/compile-streaming' ? compileStreaming() : handle(event.request, { wasm, model }));
});
