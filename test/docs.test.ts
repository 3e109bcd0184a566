// The API docs: `npm run docs` (TypeDoc over src/index.ts and src/infer.ts, typedoc.json) must
// build with no warning at all (typedoc.json turns warnings into errors, and validation
// reports every public symbol without a comment, every broken {@link} and every public type
// that is referenced but not exported). Beyond that, the docs must say true things:
// - every optional field of an options object documents its default (@defaultValue), and
//   the defaults that are plain values equal what the code resolves an omitted field to;
// - the runnable example in each entry's module comment runs, from the packed package.
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFit, resolveOptimizer, resolveOptions } from '../src/config.js';
import { Network } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The parts of TypeDoc's JSON output this test reads. */
interface Part {
  kind: string;
  text: string;
}
interface Reflection {
  name: string;
  flags: { isOptional?: boolean };
  comment?: { summary: Part[]; blockTags?: { tag: string; content: Part[] }[] };
  children?: Reflection[];
  type?: { type: string; value?: unknown; types?: { type: string; declaration?: Reflection }[] };
}

let out: string;
let run: { status: number | null; output: string; seconds: number };
let api: Reflection;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'wasm-mlp-docs-'));
  const t0 = performance.now();
  // The same options as `npm run docs`, into a temporary folder, with the JSON model as well.
  const r = spawnSync(
    process.execPath,
    ['node_modules/typedoc/bin/typedoc', '--options', 'typedoc.json', '--out', join(out, 'html'), '--json', join(out, 'api.json')],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  run = { status: r.status, output: `${r.stdout}${r.stderr}`, seconds: (performance.now() - t0) / 1000 };
  if (r.status === 0) api = JSON.parse(readFileSync(join(out, 'api.json'), 'utf8')) as Reflection;
}, 70_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A module (entry) of the docs by name, and a symbol of it. */
const entry = (name: string): Reflection => api.children!.find((m) => m.name === name)!;
const symbol = (module: string, name: string): Reflection => {
  const found = entry(module).children!.find((c) => c.name === name);
  if (!found) throw new Error(`${module} documents no ${name}`);
  return found;
};

/** The @defaultValue text of a field (markdown, code spans kept), or undefined. */
function defaultOf(field: Reflection): string | undefined {
  const tag = field.comment?.blockTags?.find((t) => t.tag === '@defaultValue');
  return tag && tag.content.map((p) => p.text).join('');
}

/** The first code span of a default, as a JS value: `32` -> 32, `'wasm'` -> 'wasm'. */
function firstValue(text: string): unknown {
  const code = /`([^`]+)`/.exec(text);
  if (!code) throw new Error(`no code span in the default "${text}"`);
  return JSON.parse(code[1].replace(/'/g, '"'));
}

/** Pairs "`v` for `'k'`" of a per-choice default, as { k: v }. */
function perChoice(text: string): Record<string, unknown> {
  const pairs: Record<string, unknown> = {};
  for (const m of text.matchAll(/`([^`]+)` for `'([^']+)'`/g)) pairs[m[2]] = JSON.parse(m[1]);
  return pairs;
}

function field(owner: Reflection, name: string): Reflection {
  const found = owner.children?.find((c) => c.name === name);
  if (!found) throw new Error(`${owner.name} documents no field ${name}`);
  return found;
}

describe('TypeDoc', () => {
  it('builds the docs of the three entries with no warning and no error', () => {
    expect(run.output).not.toMatch(/\[(warning|error)\]/);
    expect(run.status, run.output).toBe(0);
    expect(entry('wasm-mlp')).toBeDefined();
    expect(entry('wasm-mlp/infer')).toBeDefined();
    expect(entry('wasm-mlp/lite')).toBeDefined();
    console.log(`typedoc: ${run.seconds.toFixed(1)} s`);
  });

  it('writes the pages of the main classes and options, with their defaults', () => {
    const html = join(out, 'html');
    const page = (file: string): string => {
      expect(existsSync(join(html, file)), file).toBe(true);
      return readFileSync(join(html, file), 'utf8');
    };
    expect(page('classes/wasm-mlp.Network.html')).toMatch(/Throws[\s\S]*INVALID_OPTION/);
    expect(page('classes/wasm-mlp_infer.InferenceNetwork.html')).toContain('predictBatch');
    expect(page('classes/wasm-mlp_lite.LiteNetwork.html')).toMatch(/Throws[\s\S]*SHAPE_MISMATCH/);
    const network = page('interfaces/wasm-mlp.NetworkOptions.html');
    const fit = page('interfaces/wasm-mlp.FitOptions.html');
    for (const text of [network, fit]) expect(text).toContain('Default Value');
    // A default as it appears on the page: FitOptions.batchSize's 32.
    expect(fit).toMatch(/id="batchsize"[\s\S]*?Default Value[\s\S]*?<code>32<\/code>/);
    expect(network).toMatch(/id="seed"[\s\S]*?Default Value[\s\S]*?<code>42<\/code>/);
  });

  it('documents a default for every optional field of every options object', () => {
    const optionsObjects = entry('wasm-mlp').children!.filter((c) => /Options$/.test(c.name) && c.children);
    expect(optionsObjects.map((o) => o.name).sort()).toEqual([
      'EarlyStoppingOptions', 'FitOptions', 'ImportOptions', 'InitOptions', 'LayerOptions', 'LoadOptions',
      'NetworkOptions', 'NormalizationOptions', 'OptimizerOptions', 'QuantizeOptions',
    ]);
    // ScheduleOptions is a union: its object members hold the fields.
    const schedules = symbol('wasm-mlp', 'ScheduleOptions').type!.types!.map((t) => t.declaration).filter((d) => d?.children) as Reflection[];
    expect(schedules).toHaveLength(4);
    const missing: string[] = [];
    let checked = 0;
    for (const owner of [...optionsObjects, ...schedules]) {
      for (const f of owner.children!) {
        if (!f.flags.isOptional) continue;
        checked++;
        if (defaultOf(f) === undefined) missing.push(`${owner.name}.${f.name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('states the defaults the code resolves an omitted option to', () => {
    const doc = (owner: string, name: string): string => defaultOf(field(symbol('wasm-mlp', owner), name))!;
    const value = (owner: string, name: string): unknown => firstValue(doc(owner, name));

    const created = resolveOptions({ inputSize: 2, layers: [{ units: 3 }] });
    expect(value('NetworkOptions', 'seed')).toBe(created.seed);
    expect(value('NetworkOptions', 'backend')).toBe(created.backend);
    expect(value('NetworkOptions', 'init')).toBe(created.init);
    expect(value('NetworkOptions', 'threads')).toBe(created.threads);
    expect(doc('NetworkOptions', 'optimizer')).toContain(`{ kind: '${created.optimizer.kind}', learningRate: ${created.optimizer.learningRate} }`);
    expect(doc('NetworkOptions', 'loss')).toMatch(/`'categorical-cross-entropy'` for a `'softmax'` output layer, else `'mse'`/);
    expect(created.spec.loss).toBe('mse');
    expect(resolveOptions({ inputSize: 2, layers: [{ units: 3, activation: 'softmax' }] }).spec.loss).toBe('categorical-cross-entropy');
    expect(value('LayerOptions', 'activation')).toBe(created.spec.layers[0].activation);
    expect(value('LayerOptions', 'dropout')).toBe(created.spec.layers[0].dropout);
    const alphas = perChoice(doc('LayerOptions', 'alpha'));
    expect(Object.keys(alphas).sort()).toEqual(['elu', 'leaky-relu']);
    for (const [activation, alpha] of Object.entries(alphas)) {
      expect(resolveOptions({ inputSize: 2, layers: [{ units: 3, activation }] }).spec.layers[0].alpha, activation).toBe(alpha);
    }

    const rates = perChoice(doc('OptimizerOptions', 'learningRate'));
    expect(Object.keys(rates).sort()).toEqual(['adam', 'rmsprop', 'sgd']);
    for (const [kind, rate] of Object.entries(rates)) expect(resolveOptimizer({ kind }).learningRate, kind).toBe(rate);
    const sgd = resolveOptimizer({ kind: 'sgd' });
    const adam = resolveOptimizer({ kind: 'adam' });
    const rmsprop = resolveOptimizer({ kind: 'rmsprop' });
    expect(value('OptimizerOptions', 'momentum')).toBe(sgd.momentum);
    expect(value('OptimizerOptions', 'nesterov')).toBe(sgd.nesterov);
    expect(value('OptimizerOptions', 'beta1')).toBe(adam.beta1);
    expect(value('OptimizerOptions', 'beta2')).toBe(adam.beta2);
    expect(value('OptimizerOptions', 'rho')).toBe(rmsprop.rho);
    expect(value('OptimizerOptions', 'epsilon')).toBe(adam.epsilon);
    expect(value('OptimizerOptions', 'epsilon')).toBe(rmsprop.epsilon);
    expect(value('OptimizerOptions', 'weightDecay')).toBe(adam.weightDecay);
    expect(doc('OptimizerOptions', 'clipNorm')).toMatch(/^off\b/);
    expect(adam.clipNorm).toBe(0); // 0 = no clipping in the resolved spec

    const fit = resolveFit({});
    expect(value('FitOptions', 'epochs')).toBe(fit.epochs);
    expect(value('FitOptions', 'batchSize')).toBe(fit.batchSize);
    expect(value('FitOptions', 'shuffle')).toBe(fit.shuffle);
    expect(value('FitOptions', 'validationSplit')).toBe(fit.validationSplit);
    for (const name of ['validationData', 'earlyStopping', 'schedule', 'classWeight', 'sampleWeight']) {
      expect(doc('FitOptions', name), name).toMatch(/^none\b/);
      expect(fit[name as keyof typeof fit], name).toBeUndefined();
    }

    const stopping = resolveFit({ earlyStopping: {} }).earlyStopping!;
    expect(value('EarlyStoppingOptions', 'patience')).toBe(stopping.patience);
    expect(value('EarlyStoppingOptions', 'minDelta')).toBe(stopping.minDelta);
    expect(value('EarlyStoppingOptions', 'restoreBestWeights')).toBe(stopping.restoreBestWeights);
    expect(value('EarlyStoppingOptions', 'monitor')).toBe('valLoss');
    expect(resolveFit({ earlyStopping: {}, validationSplit: 0.5 }).earlyStopping!.monitor).toBe('valLoss');
    expect(doc('EarlyStoppingOptions', 'monitor')).toContain("else `'loss'`");
    expect(stopping.monitor).toBe('loss');

    // The union's object member whose `kind` field has the literal type `kind`.
    const schedule = (kind: string): Reflection =>
      symbol('wasm-mlp', 'ScheduleOptions').type!.types!.map((t) => t.declaration).find((d) => d?.children && field(d, 'kind').type?.value === kind)!;
    const scheduled = (options: object): Record<string, unknown> => resolveFit({ schedule: options }).schedule as unknown as Record<string, unknown>;
    const checks: [string, object, string[]][] = [
      ['step', { kind: 'step', stepSize: 2 }, ['gamma']],
      ['cosine', { kind: 'cosine', epochs: 2 }, ['minLearningRate']],
      ['plateau', { kind: 'plateau' }, ['factor', 'patience', 'minLearningRate']],
    ];
    for (const [kind, options, names] of checks) {
      const resolved = scheduled(options);
      for (const name of names) expect(firstValue(defaultOf(field(schedule(kind), name))!), `${kind}.${name}`).toBe(resolved[name]);
    }
  });

  it('states the defaults of loading and importing as the loaders apply them', async () => {
    const value = (owner: string, name: string): unknown => firstValue(defaultOf(field(symbol('wasm-mlp', owner), name))!);
    const net = await Network.create({ inputSize: 2, layers: [{ units: 2, activation: 'softmax' }], seed: 7, optimizer: 'sgd', backend: 'js' });
    const loaded = await Network.load(net.save());
    expect(value('LoadOptions', 'backend')).toBe(loaded.backend);
    expect(value('LoadOptions', 'threads')).toBe(loaded.threads);
    const imported = await Network.fromONNX(net.toONNX());
    expect(value('ImportOptions', 'seed')).toBe(imported.seed);
    expect(value('ImportOptions', 'loss')).toBe(imported.loss);
    expect(imported.optimizer).toMatchObject({ kind: 'adam', learningRate: 0.001 });
    for (const n of [net, loaded, imported]) n.dispose();
  });
});

describe('module examples', () => {
  const app = inject('packedApp');

  /** The ```ts block of an entry's module comment (the file's first comment), as plain code. */
  function moduleExample(file: string): string {
    const source = readFileSync(join(root, file), 'utf8');
    const comment = source.slice(source.indexOf('/**'), source.indexOf('*/'));
    expect(comment).toContain('@packageDocumentation');
    const block = /```ts\n([\s\S]*?)```/.exec(comment.replace(/^ \* ?/gm, ''));
    expect(block, `${file} has an example`).not.toBeNull();
    return block![1];
  }

  /** Runs `code` as an ES module in the temporary app where the packed package is installed. */
  function runInApp(name: string, code: string): string {
    const path = join(app, name);
    writeFileSync(path, code);
    return execFileSync(process.execPath, [path], { cwd: app, encoding: 'utf8', timeout: 20_000 });
  }

  /** The Float32Arrays node printed ("Float32Array(2) [ 0.5, 1 ]", maybe over several lines), as number arrays. */
  function printedArrays(output: string): number[][] {
    return [...output.matchAll(/Float32Array\((\d+)\) \[([^\]]*)\]/g)].map((m) => {
      const values = m[2].split(',').map((v) => Number(v.trim()));
      expect(values).toHaveLength(Number(m[1]));
      return values;
    });
  }

  it('the main entry\'s example trains XOR, and the saved copy predicts like the original', () => {
    const output = runInApp('docs-example-main.mjs', moduleExample('src/index.ts'));
    // history.loss.at(-1) and history.accuracy.at(-1); then net.predict(x) and copy.predict([[1, 0]]).
    const [loss, accuracy] = output.split('\n')[0].split(' ').map(Number);
    expect(loss).toBeLessThan(0.05);
    expect(accuracy).toBe(1);
    const [xor, copy] = printedArrays(output);
    expect(xor.map((p) => Math.round(p))).toEqual([0, 1, 1, 0]);
    expect(copy).toEqual([xor[2]]);
  });

  it('the lite entry\'s example loads the saved digits model and predicts one row, as its first row of two', () => {
    const output = runInApp('docs-example-lite.mjs', moduleExample('src/lite.ts'));
    expect(output.split('\n')[0]).toBe('784 10');
    const [row] = printedArrays(output);
    expect(row).toHaveLength(10);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // a softmax
  });

  it('the inference entry\'s example loads the AND gate and predicts it', () => {
    const output = runInApp('docs-example-infer.mjs', moduleExample('src/infer.ts'));
    expect(output.split('\n')[0]).toBe('2 1');
    const [gate, batch] = printedArrays(output);
    expect(gate.map((p) => Math.round(p))).toEqual([0, 0, 0, 1]);
    expect(batch).toEqual([gate[3], gate[1]]);
  });
});
