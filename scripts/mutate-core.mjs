#!/usr/bin/env node
// Hand-written mutants of the AssemblyScript core (assembly/), which Stryker cannot mutate
// (issue 15). Each mutant is one exact snippet of one file and its replacement, applied to a
// temporary copy of the repository (never to the working tree): the copy is rebuilt
// (`npm run asbuild`) and the whole vitest suite runs with --bail 1, so a killed mutant stops
// at its first failing test. A mutant is
//   killed   the suite failed (or timed out): some test catches the planted bug;
//   survived the suite passed: no test catches it (the script exits 1);
//   flaky    the suite failed, but its first failing test file passed when run alone on the
//            mutant, three times over (a timing-dependent test failing under load);
//   broken   the core did not compile, or its snippet no longer occurs exactly once in the
//            file (the list has rotted: fix the snippet; the script exits 1).
// Before the mutants, the unmutated copy is built (`npm run build`) and must pass the suite.
//
// Usage: npm run mutate:core [-- [--only name,name] [--list] [--skip-baseline] [--keep] [--files a,b] [--learning]]
//   --only    run only the named mutants;  --list  print the mutants and check their snippets;
//   --skip-baseline  do not run the suite on the unmutated copy;  --keep  keep the temp copy;
//   --files  run only these test files (e.g. the reference tests) instead of the whole suite;
//   --learning  instead of the suite, measure the digits learning run of test/mnist.test.ts
//            (scripts/digits-accuracy.mjs) on the unmutated copy and on each mutant: the
//            figures its threshold is set from.
// Takes about a minute per mutant (12 s to build the four wasm targets, then the suite up to
// its first failure, ~30 s when one survives).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** { name, file (under assembly/), from (occurs exactly once), to, why (the bug it plants) } */
const mutants = [
  // ---- losses (losses.ts) ----
  { name: 'mse-loss-no-half', file: 'losses.ts', why: 'MSE loss without its 1/2 (delta unchanged)',
    from: 'total += 0.5 * <f64>diff * <f64>diff;', to: 'total += <f64>diff * <f64>diff;' },
  { name: 'bce-fused-delta-halved', file: 'losses.ts', why: 'sigmoid + BCE delta (a - y) / 2',
    from: 'store<f32>(d + off, load<f32>(a + off) - load<f32>(y + off));',
    to: 'store<f32>(d + off, 0.5 * (load<f32>(a + off) - load<f32>(y + off)));' },
  { name: 'cce-fused-delta-halved', file: 'losses.ts', why: 'softmax + CCE delta (a - y) / 2',
    from: 'store<f32>(d + off, load<f32>(a + off) - yj);', to: 'store<f32>(d + off, 0.5 * (load<f32>(a + off) - yj));' },
  // ---- optimizers (optimizers.ts) ----
  { name: 'sgd-momentum-ignored', file: 'optimizers.ts', why: 'SGD buffer = buf + g (momentum factor dropped, vector body)',
    from: 'const b = f32x4.add(f32x4.mul(vmom, v128.load(buf + off)), g);', to: 'const b = f32x4.add(v128.load(buf + off), g);' },
  { name: 'sgd-nesterov-as-plain', file: 'optimizers.ts', why: 'Nesterov step uses the buffer alone',
    from: 'g = nesterov ? f32x4.add(g, f32x4.mul(vmom, b)) : b;', to: 'g = b;' },
  { name: 'sgd-decay-dropped', file: 'optimizers.ts', why: 'SGD without weight decay',
    from: 'sgdUpdate(p, g, s1, lo, mid, lr, mom, nesterov, wd);', to: 'sgdUpdate(p, g, s1, lo, mid, lr, mom, nesterov, 0);' },
  { name: 'sgd-decay-on-biases', file: 'optimizers.ts', why: 'SGD decays the biases too',
    from: 'sgdUpdate(p, g, s1, mid, hi, lr, mom, nesterov, 0);', to: 'sgdUpdate(p, g, s1, mid, hi, lr, mom, nesterov, wd);' },
  { name: 'adam-no-bias-correction2', file: 'optimizers.ts', why: 'Adam without the 1 - beta2^t correction',
    from: 'const bc2sqrt = <f32>Math.sqrt(1 - Math.pow(<f64>b2, <f64>t));', to: 'const bc2sqrt: f32 = 1;' },
  { name: 'adam-no-bias-correction1', file: 'optimizers.ts', why: 'Adam without the 1 - beta1^t correction',
    from: 'const stepSize = <f32>(<f64>lr / (1 - Math.pow(<f64>b1, <f64>t)));', to: 'const stepSize = lr;' },
  { name: 'adam-decay-dropped', file: 'optimizers.ts', why: 'Adam without weight decay',
    from: 'adamUpdate(p, g, s1, s2, lo, mid, lr, b1, b2, eps, wd, t);', to: 'adamUpdate(p, g, s1, s2, lo, mid, lr, b1, b2, eps, 0, t);' },
  { name: 'adam-decay-on-biases', file: 'optimizers.ts', why: 'Adam decays the biases too',
    from: 'adamUpdate(p, g, s1, s2, mid, hi, lr, b1, b2, eps, 0, t);', to: 'adamUpdate(p, g, s1, s2, mid, hi, lr, b1, b2, eps, wd, t);' },
  { name: 'rmsprop-rho-swapped', file: 'optimizers.ts', why: 'RMSprop v = (1 - rho) v + rho g^2',
    from: 'const vv = f32x4.add(f32x4.mul(vrho, v128.load(v + off)), f32x4.mul(v1rho, f32x4.mul(g, g)));',
    to: 'const vv = f32x4.add(f32x4.mul(v1rho, v128.load(v + off)), f32x4.mul(vrho, f32x4.mul(g, g)));' },
  { name: 'rmsprop-eps-in-sqrt', file: 'optimizers.ts', why: 'RMSprop sqrt(v + eps) for sqrt(v) + eps',
    from: 'const denom = f32x4.add(f32x4.sqrt(vv), veps);', to: 'const denom = f32x4.sqrt(f32x4.add(vv, veps));' },
  { name: 'rmsprop-decay-dropped', file: 'optimizers.ts', why: 'RMSprop without weight decay',
    from: 'rmspropUpdate(p, g, s1, lo, mid, lr, rho, eps, wd);', to: 'rmspropUpdate(p, g, s1, lo, mid, lr, rho, eps, 0);' },
  // ---- activation derivatives (activations.ts) ----
  { name: 'sigmoid-derivative', file: 'activations.ts', why: "sigmoid' = a instead of a (1 - a)",
    from: 'v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.mul(y, f32x4.sub(one, y))));',
    to: 'v128.store(d + off, f32x4.mul(v128.load(d + off), y));' },
  { name: 'tanh-derivative', file: 'activations.ts', why: "tanh' = 1 - a instead of 1 - a^2",
    from: 'v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.sub(one, f32x4.mul(y, y))));',
    to: 'v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.sub(one, y)));' },
  { name: 'relu-derivative', file: 'activations.ts', why: "relu' = 1 everywhere (vector body)",
    from: 'const mask = f32x4.gt(v128.load(z + off), zero);', to: 'const mask = i32x4.splat(-1);' },
  { name: 'leaky-relu-derivative', file: 'activations.ts', why: "leaky relu' = 0 below zero (vector body)",
    from: 'v128.store(d + off, v128.bitselect(dv, f32x4.mul(dv, valpha), f32x4.gt(v128.load(z + off), zero)));',
    to: 'v128.store(d + off, v128.bitselect(dv, f32x4.splat(0), f32x4.gt(v128.load(z + off), zero)));' },
  { name: 'elu-derivative', file: 'activations.ts', why: "elu' = a instead of a + alpha below zero (vector body)",
    from: 'const below = f32x4.mul(dv, f32x4.add(v128.load(a + off), valpha));', to: 'const below = f32x4.mul(dv, v128.load(a + off));' },
  { name: 'softplus-derivative', file: 'activations.ts', why: "softplus' = sigmoid(-z)",
    from: 'store<f32>(d + off, load<f32>(d + off) * sigmoid(load<f32>(z + off)));', to: 'store<f32>(d + off, load<f32>(d + off) * sigmoid(-load<f32>(z + off)));' },
  // ---- bias gradients ----
  { name: 'db-no-scale', file: 'network.ts', why: 'db without its 1/m (rows layout, four columns at a time)',
    from: 'v128.store(db + (<usize>j << 2), f32x4.mul(s, vscale));', to: 'v128.store(db + (<usize>j << 2), s);' },
  { name: 'db-tail-no-scale', file: 'network.ts', why: 'db without its 1/m (rows layout, last n % 4 columns)',
    from: 'store<f32>(db + (<usize>j << 2), s * scale);', to: 'store<f32>(db + (<usize>j << 2), s);' },
  // ---- tile tails (gemm.ts) ----
  { name: 'gemm4x8-column-tail', file: 'gemm.ts', why: 'the 4x8 tile drops the last column of a partial panel',
    from: 'const cols = N - j0;\n        for (let r = 0; r < 4; r++) {', to: 'const cols = N - j0 - 1;\n        for (let r = 0; r < 4; r++) {' },
  { name: 'gemm-row-panel-tail', file: 'gemm.ts', why: 'the 1-row kernel drops the last column of a partial panel',
    from: 'for (let j = 0; j < N - j0; j++) {', to: 'for (let j = 0; j < N - j0 - 1; j++) {' },
  { name: 'gemm-row-k-tail', file: 'gemm.ts', why: 'the 1-row kernel skips the last k when K is odd',
    from: 'if (k < K) {', to: 'if (k < K && false) {' },
  // ---- the sparse path (gemm.ts) ----
  { name: 'sparse-chunks-restart', file: 'gemm.ts', why: 'gemmSparse forgets the previous k chunks (K > one chunk)',
    from: 'if (ch > 0) {', to: 'if (ch > 1) {' },
  { name: 'sparse-column-tail', file: 'gemm.ts', why: "gemmSparse's one-column tail reads the next column of B",
    from: 'acc += load<f32>(e, 4) * load<f32>(bj + <usize>load<u32>(e));', to: 'acc += load<f32>(e, 4) * load<f32>(bj + <usize>load<u32>(e), 4);' },
  // ---- the small path (small.ts) ----
  { name: 'small-lanes-product', file: 'small.ts', why: 'lanesProduct stores unit j + 2 as unit j + 3',
    from: 'storeRows(dst, j + 3, c, dsj, dsi, m, epilogue(acc3, valpha, b3, hasBias));', to: 'storeRows(dst, j + 3, c, dsj, dsi, m, epilogue(acc2, valpha, b3, hasBias));' },
  { name: 'small-outer-dots-tail', file: 'small.ts', why: 'outerDots forgets alpha (1/m) on the last K % 4 columns of dW',
    from: 'store<f32>(oj + ((<usize>t * K + k) << 2), s * alpha);', to: 'store<f32>(oj + ((<usize>t * K + k) << 2), s);' },
  { name: 'small-db-no-scale', file: 'small.ts', why: 'lanesSums: db without its 1/m',
    from: 'storeSome(db + (<usize>j << 2), 4, f32x4.mul(s, valpha), n);', to: 'storeSome(db + (<usize>j << 2), 4, s, n);' },
  // ---- the shuffle (random.ts) ----
  { name: 'shuffle-sattolo', file: 'random.ts', why: "Fisher-Yates draws j in [0, i) (Sattolo's cycle)",
    from: 'const j = intBelow(state, <u32>(i + 1));', to: 'const j = intBelow(state, <u32>i);' },
  // ---- dropout, clipping, sample weights (network.ts) ----
  { name: 'dropout-not-inverted', file: 'network.ts', why: 'kept outputs not scaled by 1 / (1 - p)',
    from: 'const f: f32 = (nextU32(rng) >>> 8) >= t ? scale : 0;', to: 'const f: f32 = (nextU32(rng) >>> 8) >= t ? 1 : 0;' },
  { name: 'dropout-mask-not-applied', file: 'network.ts', why: 'backward ignores the dropout mask (vector body)',
    from: 'v128.store(d + o, f32x4.mul(v128.load(d + o), v128.load(mask + o)));', to: 'v128.store(d + o, v128.load(d + o));' },
  { name: 'clip-norm-squared', file: 'network.ts', why: 'clipGradients divides by the squared norm',
    from: 'const coef = <f32>(<f64>maxNorm / (Math.sqrt(sum) + 1e-6));', to: 'const coef = <f32>(<f64>maxNorm / (sum + 1e-6));' },
  { name: 'clip-never', file: 'network.ts', why: 'clipGradients never clips',
    from: 'if (coef >= 1) return;', to: 'if (coef >= 0) return;' },
  { name: 'sample-weight-delta', file: 'network.ts', why: 'sample weights scale the loss but not the delta',
    from: 'store<f32>(d + o + (<usize>j << 2), load<f32>(d + o + (<usize>j << 2)) * wi);', to: 'store<f32>(d + o + (<usize>j << 2), load<f32>(d + o + (<usize>j << 2)));' },
  { name: 'sample-weight-loss', file: 'network.ts', why: 'sample weights scale the delta but not the loss',
    from: 'total += <f64>wi * outputLossAndDelta(', to: 'total += outputLossAndDelta(' },
  // ---- the fused tiny step (tiny.ts) ----
  { name: 'tiny-sgd-decay-dropped', file: 'tiny.ts', why: 'the tiny step applies SGD without weight decay (vector body)',
    from: 'v128.store(p, f32x4.sub(pv, f32x4.mul(f32x4.splat(lr), f32x4.add(v, f32x4.mul(f32x4.splat(wd), pv)))));',
    to: 'v128.store(p, f32x4.sub(pv, f32x4.mul(f32x4.splat(lr), v)));' },
  { name: 'tiny-hidden-sigmoid-derivative', file: 'tiny.ts', why: "the tiny step's hidden sigmoid' = a for the first four units",
    from: 'd0 = f32x4.mul(d0, f32x4.mul(a0, f32x4.sub(one, a0)));', to: 'd0 = f32x4.mul(d0, a0);' },
  { name: 'tiny-output-sigmoid-derivative', file: 'tiny.ts', why: "the tiny step's mse output delta with sigmoid' = a",
    from: 'if (act == ACT_SIGMOID) d = f32x4.mul(d, f32x4.mul(ao, f32x4.sub(one, ao)));', to: 'if (act == ACT_SIGMOID) d = f32x4.mul(d, ao);' },
  { name: 'tiny-loss-no-half', file: 'tiny.ts', why: "the tiny step's mse loss of the first row without its 1/2",
    from: 'total += 0.5 * <f64>f32x4.extract_lane(d, 0) * <f64>f32x4.extract_lane(d, 0);', to: 'total += <f64>f32x4.extract_lane(d, 0) * <f64>f32x4.extract_lane(d, 0);' },
  // ---- the inference core's CRC (crc.ts) ----
  { name: 'crc-prior-ignored', file: 'crc.ts', why: 'crc32 starts afresh instead of continuing from the prior CRC',
    from: 'let crc: u32 = ~prior;', to: 'let crc: u32 = 0xffffffff;' },
  // ---- int8 inference (quant.ts) ----
  { name: 'int8-tile-weight-swap', file: 'quant.ts', why: 'the 4x8 int8 tile uses units 0-3 for row 3, units 4-7',
    from: 'c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x3, w1));', to: 'c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x3, w0));' },
  { name: 'int8-row1-second-panel', file: 'quant.ts', why: 'the one-row int8 kernel reads panel j for panel j + 1 (units 8-11)',
    from: 'c2 = i32x4.add(c2, i32x4.dot_i16x8_s(x0, v128.load(b + panelBytes)));', to: 'c2 = i32x4.add(c2, i32x4.dot_i16x8_s(x0, v128.load(b)));' },
  { name: 'int8-tile4x4-row', file: 'quant.ts', why: 'the 4x4 int8 tile of a last 1-4 units reads row 2 for row 3',
    from: 'c3 = i32x4.add(c3, i32x4.dot_i16x8_s(v128.load32_splat(x + 3 * rowA), w));', to: 'c3 = i32x4.add(c3, i32x4.dot_i16x8_s(v128.load32_splat(x + 2 * rowA), w));' },
  { name: 'int8-fused-relu-dropped', file: 'quant.ts', why: "the fused relu + quantization keeps negative z (first four of every eight values)",
    from: 't0 = f32x4.pmax(t0, zero);', to: 't0 = f32x4.pmax(t0, lo);' },
  { name: 'int8-input-check-half', file: 'quant.ts', why: "the quantization pass's finiteness sum skips the first four of every eight inputs",
    from: 'sum0 = f32x4.add(sum0, t0);', to: 'sum0 = f32x4.add(sum0, zero);' },
  { name: 'int8-softmax-max-first', file: 'quant.ts', why: 'the int8 softmax in lanes subtracts the first unit instead of the maximum',
    from: 'for (let j = 1; j < units; j++) mx = f32x4.max(mx, gather4(zr + (<usize>j << 2), stride));', to: 'for (let j = 1; j < 1; j++) mx = f32x4.max(mx, gather4(zr + (<usize>j << 2), stride));' },
  { name: 'int8-clamp-128', file: 'quant.ts', why: 'inputs are clamped to -128 instead of -127 (asymmetric)',
    from: 'const lo = f32x4.splat(-127);', to: 'const lo = f32x4.splat(-128);' },
  { name: 'int8-dequant-no-bias', file: 'quant.ts', why: 'the int8 epilogue leaves the bias out',
    from: 'return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), bias);', to: 'return f32x4.mul(f32x4.convert_i32x4_s(acc), scale);' },
];

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;
const filesAt = args.indexOf('--files');
const FILES = filesAt >= 0 ? args[filesAt + 1].split(',') : [];
const selected = only ? mutants.filter((m) => only.has(m.name)) : mutants;
if (only && selected.length !== only.size) {
  console.error(`unknown mutant in --only: ${[...only].filter((n) => !mutants.some((m) => m.name === n)).join(', ')}`);
  process.exit(2);
}

function occurrences(text, s) {
  let n = 0;
  for (let i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) n++;
  return n;
}

/** Runs a command in its own process group; resolves { code, out, ms } (code null on timeout). */
function run(cmd, cmdArgs, cwd, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, cmdArgs, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', CI: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // The suite may leave worker or runtime processes in its group: end them.
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
      resolve({ code: timedOut ? null : code, out, ms: Date.now() - t0 });
    });
  });
}

// Snippets must occur exactly once in the current sources (checked before any work).
let rotten = 0;
for (const m of selected) {
  const n = occurrences(readFileSync(join(root, 'assembly', m.file), 'utf8'), m.from);
  if (n !== 1) {
    console.error(`mutant ${m.name}: its snippet occurs ${n} times in assembly/${m.file} (must be once)`);
    rotten++;
  }
}
if (flag('--list')) {
  for (const m of selected) console.log(`${m.name.padEnd(28)} assembly/${m.file.padEnd(15)} ${m.why}`);
  process.exit(rotten ? 1 : 0);
}

const work = mkdtempSync(join(tmpdir(), 'wasm-mlp-mutate-'));
const skip = new Set(['node_modules', '.git', '.test-pages', '.vitest-cache']);
cpSync(root, work, { recursive: true, filter: (src) => !skip.has(relative(root, src).split(/[\\/]/)[0]) });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
const cleanup = () => { if (!flag('--keep')) rmSync(work, { recursive: true, force: true }); };
process.on('SIGINT', () => { cleanup(); process.exit(130); });
console.log(`copy of the repository: ${work}`);

const SUITE = ['vitest', 'run', '--config', 'test/vitest.config.ts', '--bail', '1', '--reporter', 'json', '--outputFile', 'mutant-report.json'];
const SUITE_TIMEOUT = 10 * 60_000;

/** The suite on the copy: { passed, timedOut, by (first failing file and test), ms }. */
async function suite(files = []) {
  const report = join(work, 'mutant-report.json');
  rmSync(report, { force: true });
  const r = await run('npx', [...SUITE, ...files], work, SUITE_TIMEOUT);
  if (r.code === null) return { passed: false, by: 'timeout', file: '', ms: r.ms, out: r.out };
  let by = '';
  let file = '';
  if (existsSync(report)) {
    try {
      const json = JSON.parse(readFileSync(report, 'utf8'));
      for (const f of json.testResults ?? []) {
        const failed = (f.assertionResults ?? []).find((a) => a.status === 'failed');
        if (failed || f.status === 'failed') {
          file = relative(work, f.name);
          by = `${file}${failed ? ` > ${failed.fullName}` : ''}`;
          if (failed) break;
        }
      }
    } catch {}
  }
  if (!by && r.code !== 0) by = (r.out.match(/(test\/[\w./-]+\.test\.ts)/) ?? ['(suite error, see output)'])[0];
  return { passed: r.code === 0, by, file, ms: r.ms, out: r.out };
}

/**
 * The suite on a mutant, its kill confirmed: the first failing file must fail again when run
 * alone, so that a timing-dependent test failing under load (the thread-pool tests on a busy
 * machine) is not taken for a kill. Up to three whole-suite runs; a kill that never confirms
 * is reported as 'flaky' (not killed).
 */
async function mutantSuite() {
  let ms = 0;
  const unconfirmed = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const s = await suite(FILES);
    ms += s.ms;
    if (s.passed) return { status: 'survived', by: '', ms };
    if (!s.file) return { status: 'killed', by: s.by, ms }; // a timeout or a suite-level error
    const again = await suite([s.file]);
    ms += again.ms;
    if (!again.passed) return { status: 'killed', by: again.by || s.by, ms };
    unconfirmed.push(s.by);
  }
  return { status: 'flaky', by: `unconfirmed: ${unconfirmed.join('; ')}`, ms };
}

const t0 = Date.now();
if (flag('--learning')) {
  const b = await run('npm', ['run', 'build'], work, SUITE_TIMEOUT);
  if (b.code !== 0) { console.error(b.out); cleanup(); process.exit(2); }
  const measure = async () => {
    const r = await run('node', ['scripts/digits-accuracy.mjs'], work, SUITE_TIMEOUT);
    try { return JSON.parse(r.out.trim().split('\n').pop()); } catch { return { accuracy: NaN, loss: [], error: r.out.slice(-300) }; }
  };
  const base = await measure();
  console.log(`correct core: accuracy ${base.accuracy}, loss ${base.loss.join(' ')}`);
  const rows = [];
  for (const m of selected) {
    const file = join(work, 'assembly', m.file);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(m.from, () => m.to));
    const built = await run('npm', ['run', 'asbuild'], work, SUITE_TIMEOUT);
    const r = built.code === 0 ? await measure() : { accuracy: NaN, loss: [], error: 'does not compile' };
    writeFileSync(file, original);
    const changed = JSON.stringify(r.loss) !== JSON.stringify(base.loss) || r.accuracy !== base.accuracy;
    rows.push({ m, r, changed });
    console.log(`${m.name.padEnd(28)} accuracy ${String(r.accuracy).padEnd(20)} ${changed ? 'changed' : 'same run'}${r.error ? ' ' + r.error : ''}`);
  }
  const changed = rows.filter((x) => x.changed).sort((a, b) => (b.r.accuracy || 0) - (a.r.accuracy || 0));
  console.log(`\n${changed.length} of ${rows.length} mutants change this run; the best of them reaches ${changed[0]?.r.accuracy} (${changed[0]?.m.name}); the correct core ${base.accuracy}`);
  cleanup();
  process.exit(0);
}
if (!flag('--skip-baseline')) {
  const b = await run('npm', ['run', 'build'], work, SUITE_TIMEOUT);
  if (b.code !== 0) { console.error(b.out); console.error('the unmutated copy does not build'); cleanup(); process.exit(2); }
  const s = await suite(FILES);
  if (!s.passed) { console.error(s.out.slice(-4000)); console.error(`the unmutated copy fails the suite (${s.by})`); cleanup(); process.exit(2); }
  console.log(`baseline: the unmutated copy passes the suite (${(s.ms / 1000).toFixed(0)} s)`);
} else if (!existsSync(join(work, 'dist')) || !existsSync(join(work, 'build'))) {
  const b = await run('npm', ['run', 'build'], work, SUITE_TIMEOUT);
  if (b.code !== 0) { console.error(b.out); cleanup(); process.exit(2); }
}

const results = [];
for (const m of selected) {
  const file = join(work, 'assembly', m.file);
  const original = readFileSync(file, 'utf8');
  let result;
  if (occurrences(original, m.from) !== 1) {
    result = { status: 'broken', by: 'snippet not found exactly once', ms: 0 };
  } else {
    writeFileSync(file, original.replace(m.from, () => m.to));
    const b = await run('npm', ['run', 'asbuild'], work, SUITE_TIMEOUT);
    if (b.code !== 0) {
      result = { status: 'broken', by: `does not compile: ${(b.out.match(/ERROR.*$/m) ?? [''])[0].slice(0, 80)}`, ms: b.ms };
    } else {
      const s = await mutantSuite();
      result = { ...s, ms: b.ms + s.ms };
    }
    writeFileSync(file, original);
  }
  results.push({ ...m, ...result });
  console.log(`${result.status.padEnd(8)} ${m.name.padEnd(28)} ${(result.ms / 1000).toFixed(0).padStart(4)} s  ${result.by}`);
}
// Leave the copy's build unmutated (for --keep).
if (flag('--keep')) await run('npm', ['run', 'asbuild'], work, SUITE_TIMEOUT);

console.log('\n| mutant | file | planted bug | result | first failing test |');
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.name} | assembly/${r.file} | ${r.why} | ${r.status} | ${r.by.replace(/\|/g, '\\|')} |`);
const count = (s) => results.filter((r) => r.status === s).length;
console.log(`\n${count('killed')} killed, ${count('survived')} survived, ${count('flaky')} flaky, ${count('broken')} broken of ${results.length} mutants in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
cleanup();
process.exit(count('survived') + count('broken') + count('flaky') + rotten > 0 ? 1 : 0);
