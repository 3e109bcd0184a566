// What a newcomer meets first, tried on the installed package (the packed tarball in a fresh
// app): an uncaught error prints the message and short, named stack lines (the bundles are
// readable ES modules, not one minified line), source maps lead back to src/, and CommonJS
// users get the behaviour the README describes (require works where Node can require an ES
// module: 20.19+ and 22.12+; the package has no top-level await, which would prevent it).
import { describe, it, expect, inject } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const app = inject('packedApp');

function node(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

const BAD_CREATE = "import('wasm-mlp').then((m) => m.Network.create({ inputSize: 0, layers: [] }))";

describe('the installed package, as a newcomer meets it', () => {
  it('an uncaught error prints its message and short stack lines that name functions', () => {
    const { status, out } = node(['-e', BAD_CREATE]);
    expect(status).toBe(1);
    expect(out).toMatch(/WasmMlpError: inputSize: expected an integer in \[1, 1048576\], got 0/);
    expect(out).toMatch(/at resolveModel \(file:.*node_modules\/wasm-mlp\/dist\/node\.js:\d+:\d+\)/);
    expect(out).toMatch(/at Network\.create \(/);
    expect(out.length).toBeLessThan(2000);
    for (const line of out.split('\n')) expect(line.length, line.slice(0, 80)).toBeLessThan(300);
  });

  it('with --enable-source-maps the stack points at the TypeScript sources', () => {
    const { out } = node(['--enable-source-maps', '-e', BAD_CREATE]);
    expect(out).toMatch(/at resolveModel \(.*node_modules\/wasm-mlp\/src\/config\.ts:\d+:\d+\)/);
    expect(out).toMatch(/src\/network\.ts:\d+/);
  });

  it('is an ES module: import() works from CommonJS, and require() where Node loads ES modules synchronously (20.19+, 22.12+)', () => {
    writeFileSync(join(app, 'newcomer-import.cjs'), `
      import('wasm-mlp').then(async ({ Network }) => {
        const net = await Network.create({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
        console.log('outputs', net.predict([[0, 1]]).length);
      });`);
    const imported = node(['newcomer-import.cjs']);
    expect(imported.out.trim()).toBe('outputs 1');
    writeFileSync(join(app, 'newcomer-require.cjs'), `
      let m;
      try { m = require('wasm-mlp'); } catch (e) { console.log('error', e.code); process.exit(0); }
      m.Network.create({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] })
        .then((net) => console.log('outputs', net.predict([[0, 1]]).length));`);
    const required = node(['--no-warnings', 'newcomer-require.cjs']).out.trim();
    const [major, minor] = process.versions.node.split('.').map(Number);
    const syncEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
    expect(required).toBe(syncEsm ? 'outputs 1' : 'error ERR_REQUIRE_ESM');
  });
});
