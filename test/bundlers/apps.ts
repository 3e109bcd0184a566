// The two browser apps every bundler builds from the installed package (test/bundlers.test.ts).
// Each is an index.html and a main.js written into <app>/bundle-<bundler>-<kind>/; main.js
// imports ../task.mjs (test/runtimes/task.mjs, copied into the app by test/package-setup.ts)
// and fetches digits.bin / model.bin from the page's server. The result lands in
// window.__result: { ok } or { error }.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type AppKind = 'full' | 'infer';

/** The page: a data: favicon so Chromium asks the server for nothing but the app. */
export function indexHtml(script: string, module = true): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script${module ? ' type="module"' : ''} src="${script}"></script></body></html>\n`;
}

const fetchBytes = `
const fetchBytes = async (name) => {
  const response = await fetch(new URL('/' + name, location.href));
  if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + name);
  return new Uint8Array(await response.arrayBuffer());
};`;

const report = (body: string): string => `
try {${body}
} catch (e) {
  window.__result = { error: String((e && e.stack) || e) };
}`;

/**
 * main.js. With `importWasm` (esbuild), the app imports the wasm files' URLs from the
 * package (`import wasmUrl from 'wasm-mlp/infer.wasm'`, emitted by `--loader:.wasm=file`) and
 * passes them to init(); otherwise it relies on the package's default location, the
 * `new URL('../build/x.wasm', import.meta.url)` that Vite and webpack rewrite.
 */
export function mainJs(kind: AppKind, importWasm: boolean): string {
  if (kind === 'full') {
    // Then the digits net again on two threads (the page is cross-origin isolated): the pool's
    // threaded wasm and worker script must have come through the bundler too.
    return `import { Network, init, threadStats } from 'wasm-mlp';
import { InferenceNetwork, init as initInfer } from 'wasm-mlp/infer';
import { runTask, trainDigits, digits, hex } from '../task.mjs';
${importWasm ? `import wasmUrl from 'wasm-mlp/wasm-mlp.wasm';\nimport threadsUrl from 'wasm-mlp/wasm-mlp.threads.wasm';\nimport inferUrl from 'wasm-mlp/infer.wasm';\n` : ''}${fetchBytes}
${report(`
  ${importWasm ? `const here = (u) => new URL(u, import.meta.url);\n  await init({ wasm: here(wasmUrl), threadsWasm: here(threadsUrl), worker: here('./worker.js') });\n  await initInfer(here(inferUrl));` : '// the default: each entry finds its own wasm'}
  const bytes = await fetchBytes('digits.bin');
  const ok = await runTask({ Network, InferenceNetwork }, bytes);
  const before = (await threadStats()).workerChunks;
  const net = await trainDigits(Network, digits(bytes), { threads: 2 });
  ok.threads = net.threads;
  ok.workersRan = (await threadStats()).workerChunks > before;
  ok.threadsPredict = hex(net.predict(digits(bytes).xTest));
  net.dispose();
  // As test/runtimes/main.mjs: on a loaded host the caller can finish every chunk before a
  // worker wakes, so a run without worker chunks is repeated (same seed, same bits).
  for (let retry = 0; retry < 2 && !ok.workersRan; retry++) {
    const again = (await threadStats()).workerChunks;
    const other = await trainDigits(Network, digits(bytes), { threads: 2 });
    ok.workersRan = (await threadStats()).workerChunks > again;
    if (hex(other.predict(digits(bytes).xTest)) !== ok.threadsPredict) ok.threadsPredict = 'differs between runs';
    other.dispose();
  }
  window.__result = { ok };`)}
`;
  }
  return `import { InferenceNetwork${importWasm ? ', init' : ''} } from 'wasm-mlp/infer';
import { predictSaved } from '../task.mjs';
${importWasm ? `import inferUrl from 'wasm-mlp/infer.wasm';\n` : ''}${fetchBytes}
${report(`
  ${importWasm ? 'await init(new URL(inferUrl, import.meta.url));' : '// the default: InferenceNetwork.load() finds infer.wasm'}
  const [model, digits] = await Promise.all([fetchBytes('model.bin'), fetchBytes('digits.bin')]);
  window.__result = { ok: await predictSaved(InferenceNetwork, model, digits) };`)}
`;
}

/** Writes <app>/bundle-<bundler>-<kind>/{index.html,main.js}; returns that folder. */
export function writeApp(app: string, bundler: string, kind: AppKind, importWasm: boolean): string {
  const dir = join(app, `bundle-${bundler}-${kind}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), indexHtml('./main.js'));
  writeFileSync(join(dir, 'main.js'), mainJs(kind, importWasm));
  return dir;
}
