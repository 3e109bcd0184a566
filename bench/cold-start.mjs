// Cold start of the serving entries (wasm-mlp/infer and wasm-mlp/lite) per runtime: import +
// init + load of a 784-128-10 model + first prediction, as the median of fresh processes. Node, Deno and Bun
// time it inside the process (bench/cold-start-child.mjs), with build/infer.wasm compiled to a
// WebAssembly.Module before the clock starts (issue 14's target: an edge host hands one over);
// Node also without (init() reads and compiles the file). workerd cannot: its clock stands
// still while a request computes (a Spectre mitigation), so there each run is a fresh workerd
// process (Miniflare) whose Worker imports the entry, the .wasm as a compiled module and the
// model as a data module, and the time is that of its first request as the caller sees it,
// which holds init + load + predict (the module's import runs when the process starts).
// Node also times bench/cold-floor.ts, the same work with none of the library's checks: what
// the engine costs anyway, in the same run. The configurations alternate process by process.
// Run on its own (`node bench/cold-start.mjs [--runs 15]`) or as a section of `npm run bench`.
// `--against DIR` times Node only, alternating process by process between this checkout and
// the built checkout DIR (e.g. a worktree of main: `git worktree add /tmp/base main`, then
// `npm run asbuild:infer && npm run build:bundle` there), for a before/after on one machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function model() {
  const { Network } = await import('wasm-mlp');
  const net = await Network.create({
    inputSize: 784,
    layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    seed: 3,
  });
  const bytes = net.save();
  net.dispose();
  return bytes;
}

const child = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));
const once = (command, args, file, mode, pkg = root) => JSON.parse(execFileSync(command, [...args, child, file, mode, pkg], { encoding: 'utf8' }));

/** The median run (by total) of several; its parts add up to its total. */
function medianRun(out) {
  const m = out.find((r) => r.total === median(out.map((r) => r.total)));
  return { total: m.total, parts: m, best: Math.min(...out.map((r) => r.total)), runs: out };
}

/** Fresh processes of every configuration, alternating round by round; the median run of each. */
function processRuns(configs, file, runs) {
  const out = Object.fromEntries(Object.keys(configs).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, [command, args, mode, pkg]] of Object.entries(configs)) out[name].push(once(command, args, file, mode, pkg));
  }
  return Object.fromEntries(Object.entries(out).map(([name, r]) => [name, medianRun(r)]));
}

/** bench/cold-floor.ts bundled into dir (marked as ESM, so Node does not sniff its syntax). */
async function floorBundle(dir) {
  const esbuild = await import('esbuild');
  const out = join(dir, 'floor', 'floor.js');
  await esbuild.build({ entryPoints: [join(root, 'bench', 'cold-floor.ts')], outfile: out, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'warning' });
  writeFileSync(join(dir, 'floor', 'package.json'), '{"type":"module"}');
  return out;
}

async function workerdRuns(dir, file, runs) {
  const esbuild = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  const worker = (name, body) =>
    esbuild.build({
      stdin: { contents: body, resolveDir: dir, sourcefile: `${name}-entry.mjs` }, outfile: join(dir, `${name}.mjs`), bundle: true, format: 'esm',
      platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['./infer.wasm', './model.bin'], logLevel: 'warning',
    });
  await worker('infer', `
import { init, InferenceNetwork } from ${JSON.stringify(join(root, 'dist', 'infer.js'))};
import wasm from './infer.wasm';
import model from './model.bin';
export default {
  async fetch() {
    await init(wasm);
    const net = await InferenceNetwork.load(new Uint8Array(model));
    const out = net.predict(new Float32Array(net.inputSize).fill(0.5));
    return new Response(String(out.length));
  },
};`);
  await worker('lite', `
import { init, load } from ${JSON.stringify(join(root, 'dist', 'lite.js'))};
import wasm from './infer.wasm';
import model from './model.bin';
export default {
  async fetch() {
    await init(wasm);
    const out = load(model).predict(new Float32Array(784).fill(0.5));
    return new Response(String(out.length));
  },
};`);
  const shared = [
    { type: 'CompiledWasm', path: join(dir, 'infer.wasm'), contents: readFileSync(join(root, 'build', 'infer.wasm')) },
    { type: 'Data', path: join(dir, 'model.bin'), contents: readFileSync(file) },
  ];
  const script = (name) => ({ type: 'ESModule', path: join(dir, `${name}.mjs`), contents: readFileSync(join(dir, `${name}.mjs`), 'utf8') });
  // A bare worker (same modules bound, nothing run) answered the same way: what the harness
  // (Miniflare's loopback HTTP to workerd and back) and workerd's first request cost anyway.
  const bare = [{ type: 'ESModule', path: join(dir, 'bare.mjs'), contents: "export default { fetch() { return new Response('10'); } };" }, ...shared];
  const first = { infer: [], lite: [] };
  const whole = [];
  const baseline = [];
  const request = async (mods) => {
    const t0 = performance.now();
    const mf = new Miniflare({ modulesRoot: dir, modules: mods, compatibilityDate: '2025-09-01' });
    try {
      await mf.ready;
      const t1 = performance.now();
      const res = await mf.dispatchFetch('http://localhost/');
      if ((await res.text()) !== '10') throw new Error('workerd: bad prediction');
      const t2 = performance.now();
      return [t2 - t1, t2 - t0];
    } finally {
      await mf.dispose();
    }
  };
  for (let i = 0; i < runs; i++) {
    const [a, b] = await request([script('infer'), ...shared]);
    first.infer.push(a);
    whole.push(b);
    first.lite.push((await request([script('lite'), ...shared]))[0]);
    baseline.push((await request(bare))[0]);
  }
  return { total: median(first.infer), lite: median(first.lite), process: median(whole), bare: median(baseline) };
}

export async function coldStart({ runs = 7 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cold-'));
  try {
    const file = join(dir, 'model.bin');
    writeFileSync(file, await model());
    const floor = await floorBundle(dir);
    const node = process.execPath;
    const deno = [bin('deno'), ['run', '--allow-read']];
    const bun = [bin('bun'), []];
    return {
      ...processRuns({
        node: [node, [], 'module'],
        'node, lite': [node, [], 'lite'],
        'node, floor': [node, [], 'floor', floor],
        'node, init()': [node, [], 'default'],
        deno: [...deno, 'module'],
        'deno, lite': [...deno, 'lite'],
        bun: [...bun, 'module'],
        'bun, lite': [...bun, 'lite'],
      }, file, runs),
      workerd: await workerdRuns(dir, file, runs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Node only, alternating process by process between this checkout and another built one. */
export async function coldStartAgainst(other, { runs = 15 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cold-'));
  try {
    const file = join(dir, 'model.bin');
    writeFileSync(file, await model());
    const mine = [];
    const theirs = [];
    for (let i = 0; i < runs; i++) {
      theirs.push(once(process.execPath, [], file, 'module', other));
      mine.push(once(process.execPath, [], file, 'module'));
    }
    return { [other]: medianRun(theirs), 'this checkout': medianRun(mine) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (v) => v.toFixed(1);
const line = (name, r) =>
  `  ${name.padEnd(14)} ${f(r.total)} ms (import ${f(r.parts.import)}, init ${f(r.parts.init)}, load ${f(r.parts.load)}, predict ${f(r.parts.predict)}; best ${f(r.best)})`;

export function printColdStart(r, runs = 7) {
  console.log(`\ncold start (import + init + load 784-128-10 + first prediction), median of ${runs} fresh processes each, alternating; the .wasm precompiled unless init() says otherwise:`);
  for (const name of ['node', 'node, lite', 'node, floor', 'node, init()', 'deno', 'deno, lite', 'bun', 'bun, lite']) console.log(line(name, r[name]));
  const floor = r['node, floor'].runs.filter((run) => run.phases);
  if (floor.length) {
    const phase = (name) => `${name} ${f(median(floor.map((run) => run.phases[name])))} / ${f(Math.max(...floor.map((run) => run.phases[name])))}`;
    console.log(`  floor's phases, median / max ms: ${['copy', 'scans', 'header', 'descriptor', 'forward'].map(phase).join(', ')} (scans = CRC + finiteness)`);
  }
  console.log(`  (node = wasm-mlp/infer; lite = wasm-mlp/lite; floor = bench/cold-floor.ts, the same work with no checks: lite is ${f(r['node, lite'].total - r['node, floor'].total)} ms above it, infer ${f(r.node.total - r['node, floor'].total)})`);
  console.log(
    `  workerd        ${f(r.workerd.total)} ms first request, lite ${f(r.workerd.lite)} (init + load + predict, seen by the caller; a bare worker's first request ${f(r.workerd.bare)} ms, so infer adds ${f(r.workerd.total - r.workerd.bare)} and lite ${f(r.workerd.lite - r.workerd.bare)}); ${f(r.workerd.process)} ms from starting workerd`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const runs = Number(arg('--runs') ?? 7);
  const other = arg('--against');
  if (other) {
    const r = await coldStartAgainst(other, { runs });
    console.log(`cold start in Node, precompiled module, median of ${runs} fresh processes each, alternating:`);
    for (const [name, v] of Object.entries(r)) console.log(line(name, v));
  } else {
    printColdStart(await coldStart({ runs }), runs);
  }
}
