#!/usr/bin/env node
// Relaxed SIMD, measured before deciding (issue 14): is a core whose GEMM multiply-adds are
// f32x4.relaxed_madd (a fused multiply-add where the CPU has one, so results may differ in the
// last bit between CPUs) at least 1.2x faster where engines run it?
//
// Builds a relaxed variant of the single-thread core from a copy of assembly/ in which every
// `f32x4.add(acc, f32x4.mul(a, b))` of the GEMM kernels (assembly/gemm.ts) becomes
// `f32x4.relaxed_madd(a, b, acc)`, with the release options plus `--enable relaxed-simd`, into
// a temporary folder (never build/). Then, in headless Chromium (relaxed SIMD is on by default
// there; Node 20 runs it only behind --experimental-wasm-relaxed-simd), it times both cores
// side by side in alternating rounds: the GEMM alone at the bench's MLP shapes, and W4
// (784-512-512-10, batch 128, one epoch of 1024 rows, SGD) through the library.
// Usage: node bench/relaxed.mjs [--rounds 3]   (needs npm run build; about a minute)
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;

/** Index of the parenthesis closing the one opened just before `open`. */
function closing(text, open) {
  let depth = 1;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  throw new Error('unbalanced parentheses');
}

/** Splits a call's argument text at its top-level commas. */
function args(text) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/** `f32x4.add(acc, f32x4.mul(a, b))` -> `f32x4.relaxed_madd(a, b, acc)`; returns [text, count]. */
export function relaxMadd(text) {
  let out = '';
  let count = 0;
  let i = 0;
  for (;;) {
    const at = text.indexOf('f32x4.add(', i);
    if (at < 0) return [out + text.slice(i), count];
    const open = at + 'f32x4.add('.length;
    const close = closing(text, open);
    const [acc, product, ...rest] = args(text.slice(open, close));
    if (rest.length === 0 && product?.startsWith('f32x4.mul(') && product.endsWith(')')) {
      const [a, b] = args(product.slice('f32x4.mul('.length, -1));
      out += text.slice(i, at) + `f32x4.relaxed_madd(${a}, ${b}, ${acc})`;
      count++;
    } else {
      out += text.slice(i, open); // not a multiply-add: keep it, look inside its arguments
      i = open;
      continue;
    }
    i = close + 1;
  }
}

/** Compiles the plain and the relaxed single-thread core into dir; returns their bytes. */
function buildCores(dir) {
  const src = join(dir, 'assembly');
  cpSync(join(root, 'assembly'), src, { recursive: true });
  cpSync(join(root, 'src', 'abi.ts'), join(dir, 'src', 'abi.ts')); // the ABI the core shares with TS
  const gemm = join(src, 'gemm.ts');
  const [relaxed, count] = relaxMadd(readFileSync(gemm, 'utf8'));
  writeFileSync(gemm, relaxed);
  const asc = join(root, 'node_modules', '.bin', 'asc');
  const common = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--converge', '--noAssert', '--runtime', 'stub', '--importMemory', '--initialMemory', '1'];
  execFileSync(asc, [join(src, 'index.ts'), '--outFile', join(dir, 'relaxed.wasm'), ...common, '--enable', 'simd,threads,relaxed-simd'], { stdio: 'inherit' });
  return { plain: readFileSync(join(root, 'build', 'wasm-mlp.wasm')), relaxed: readFileSync(join(dir, 'relaxed.wasm')), count };
}

// The page: GEMM on the raw core exports (as bench/run.js), then W4 through the library.
const PAGE = `<!doctype html><script type="module">
const SHAPES = [[64, 128, 784], [128, 784, 64], [128, 512, 512], [128, 10, 512], [1, 128, 784]];
async function gemm(bytes) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, now: () => performance.now() } });
  const core = instance.exports;
  const f32 = new Float32Array(memory.buffer);
  let top = 65536;
  const alloc = (n) => { const p = top; top += Math.ceil(n / 16) * 16; return p; };
  const out = {};
  for (const [M, N, K] of SHAPES) {
    const a = alloc(M * K * 4), b = alloc(K * N * 4), bp = alloc(core.packedSize(K, N) * 4), c = alloc(M * N * 4), tile = alloc(128);
    for (let i = 0; i < M * K; i++) f32[(a >> 2) + i] = Math.sin(i);
    for (let i = 0; i < K * N; i++) f32[(b >> 2) + i] = Math.cos(i);
    core.packRows(bp, b, K, N, N);
    const flop = 2 * M * N * K;
    // Untimed first: a fresh page runs baseline (Liftoff) code until the engine has tiered
    // the kernel up.
    for (let r = 0; r < Math.max(1, 2e8 / flop); r++) core.gemm(M, N, K, a, K, 1, bp, c, N, 0, 1, tile);
    let reps = 1;
    for (;;) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) core.gemm(M, N, K, a, K, 1, bp, c, N, 0, 1, tile);
      const dt = performance.now() - t0;
      if (dt > 150) { out[M + 'x' + N + 'x' + K] = (flop * reps) / dt / 1e6; break; }
      reps *= 2;
    }
  }
  return out;
}
async function w4(url) {
  const { init, Network } = await import('/dist/index.js');
  await init(url);
  const rows = 1024;
  const x = new Float32Array(rows * 784).map((_, i) => (Math.sin(i) + 1) / 2);
  const y = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) y[r * 10 + (r % 10)] = 1;
  const net = await Network.create({ inputSize: 784, layers: [{ units: 512, activation: 'relu' }, { units: 512, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'categorical-cross-entropy', optimizer: { kind: 'sgd', learningRate: 0.01 }, seed: 1 });
  await net.fit(x, y, { epochs: 1, batchSize: 128, shuffle: false });
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await net.fit(x, y, { epochs: 1, batchSize: 128, shuffle: false });
    best = Math.min(best, performance.now() - t0);
  }
  const loss = net.evaluate(x, y).loss;
  net.dispose();
  return { msPerStep: best / (rows / 128), loss };
}
window.run = async (name) => {
  const bytes = new Uint8Array(await (await fetch('/' + name + '.wasm')).arrayBuffer());
  if (!WebAssembly.validate(bytes)) return { valid: false };
  return { valid: true, gemm: await gemm(bytes), w4: await w4('/' + name + '.wasm') };
};
window.ready = true;
</script>`;

function serve(files) {
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const body = files[path] ?? (path.startsWith('/dist/') ? readFileSync(join(root, path)) : null);
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': path === '/' ? 'text/html' : types[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Whether Node validates the relaxed core, without and with the flag. */
function nodeValidates(file) {
  const check = (flags) => execFileSync(process.execPath, [...flags, '-e', `process.stdout.write(String(WebAssembly.validate(require('fs').readFileSync(${JSON.stringify(file)}))))`], { encoding: 'utf8' });
  return { plain: check([]), flagged: check(['--experimental-wasm-relaxed-simd']) };
}

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-relaxed-'));
let server;
let browser;
try {
  const cores = buildCores(dir);
  console.log(`relaxed core: ${cores.count} multiply-adds of assembly/gemm.ts made relaxed_madd (${cores.relaxed.length} bytes; plain ${cores.plain.length})`);
  const node = nodeValidates(join(dir, 'relaxed.wasm'));
  console.log(`Node ${process.version} validates it: ${node.plain} (with --experimental-wasm-relaxed-simd: ${node.flagged})`);
  server = await serve({ '/': PAGE, '/plain.wasm': cores.plain, '/relaxed.wasm': cores.relaxed });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const base = `http://127.0.0.1:${server.address().port}/`;
  const best = { plain: null, relaxed: null };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['relaxed', 'plain'] : ['plain', 'relaxed']) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(e));
      await page.goto(base);
      await page.waitForFunction(() => window.ready);
      const r = await page.evaluate((n) => window.run(n), name);
      await page.close();
      if (!r.valid) throw new Error(`Chromium does not validate the ${name} core`);
      console.log(`round ${round + 1} ${name.padEnd(7)} W4 ${r.w4.msPerStep.toFixed(2)} ms/step (loss ${r.w4.loss.toFixed(4)}); GEMM ${Object.entries(r.gemm).map(([s, g]) => `${s} ${g.toFixed(1)}`).join(', ')} GFLOP/s`);
      const b = best[name];
      best[name] = b
        ? { w4: Math.min(b.w4, r.w4.msPerStep), gemm: Object.fromEntries(Object.entries(r.gemm).map(([s, g]) => [s, Math.max(g, b.gemm[s])])) }
        : { w4: r.w4.msPerStep, gemm: r.gemm };
    }
  }
  console.log(`\nbest of ${ROUNDS} rounds, relaxed / plain (above 1 = relaxed faster), Chromium ${browser.version()}:`);
  for (const s of Object.keys(best.plain.gemm)) {
    console.log(`  GEMM ${s.padEnd(12)} ${best.plain.gemm[s].toFixed(1)} -> ${best.relaxed.gemm[s].toFixed(1)} GFLOP/s  ${(best.relaxed.gemm[s] / best.plain.gemm[s]).toFixed(2)}x`);
  }
  console.log(`  W4 step     ${best.plain.w4.toFixed(2)} -> ${best.relaxed.w4.toFixed(2)} ms  ${(best.plain.w4 / best.relaxed.w4).toFixed(2)}x`);
} finally {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
}
