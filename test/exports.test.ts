// The public surface: a snapshot of the exported names, so additions and removals are deliberate.
import { it, expect } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the public names', () => {
  expect(Object.keys(api).sort()).toEqual(['ACTIVATIONS', 'LOSSES', 'Network', 'OPTIMIZERS', 'WasmMlpError', 'init']);
});
