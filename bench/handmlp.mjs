// An independent hand-optimised pure-JS MLP for the tiny-net benchmark (bench/tiny.mjs): the
// second baseline of issue 14, next to the package's own pure-JS backend. It is written the
// simple fast way a good JS programmer would write it, and shares no code with wasm-mlp:
// one hidden layer, plain Float32Array loops over preallocated arrays, no objects or closures
// per step, the per-sample forward and backward pass accumulating the batch's gradients, then
// one optimizer step. The maths are those of the benchmarked networks (same layer sizes,
// activations, loss, optimizer, batch and per-epoch shuffling); the initialisation is its own.
//
//   new HandMlp({ inputs, hidden, outputs, hiddenAct: 'sigmoid' | 'tanh',
//                 output: 'sigmoid-mse' | 'softmax-cce', optimizer: 'sgd' | 'adam', lr, seed })
//   mlp.fit(x, y, n, epochs, batchSize, shuffle)   // x: n x inputs, y: n x outputs (one-hot)
//   returns the last epoch's mean loss

export class HandMlp {
  constructor({ inputs, hidden, outputs, hiddenAct, output, optimizer, lr, seed = 1 }) {
    this.ni = inputs;
    this.nh = hidden;
    this.no = outputs;
    this.tanh = hiddenAct === 'tanh';
    this.softmax = output === 'softmax-cce';
    this.adam = optimizer === 'adam';
    this.lr = lr;
    this.t = 0;
    let s = seed >>> 0 || 1;
    this.rand = () => {
      // xorshift32: enough for an initialisation and a shuffle.
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 4294967296;
    };
    const count = hidden * inputs + hidden + outputs * hidden + outputs;
    // One block for the parameters, one for their gradients (and two for Adam's moments),
    // with each layer's weights and biases as views into it, so the update is one flat loop.
    this.p = new Float32Array(count);
    this.g = new Float32Array(count);
    this.m = new Float32Array(count);
    this.v = new Float32Array(count);
    let at = 0;
    const view = (n) => {
      const a = this.p.subarray(at, at + n);
      const b = this.g.subarray(at, at + n);
      at += n;
      return [a, b];
    };
    [this.w1, this.gw1] = view(hidden * inputs);
    [this.b1, this.gb1] = view(hidden);
    [this.w2, this.gw2] = view(outputs * hidden);
    [this.b2, this.gb2] = view(outputs);
    const b1 = Math.sqrt(6 / (inputs + hidden));
    for (let i = 0; i < this.w1.length; i++) this.w1[i] = (this.rand() * 2 - 1) * b1;
    const b2 = Math.sqrt(6 / (hidden + outputs));
    for (let i = 0; i < this.w2.length; i++) this.w2[i] = (this.rand() * 2 - 1) * b2;
    this.h = new Float32Array(hidden); // hidden activations of the current sample
    this.o = new Float32Array(outputs); // output activations
    this.dh = new Float32Array(hidden);
    this.dout = new Float32Array(outputs);
    this.order = new Uint32Array(0);
  }

  /** Trains `epochs` epochs; returns the last epoch's mean loss. */
  fit(x, y, n, epochs, batchSize, shuffle) {
    if (this.order.length !== n) {
      this.order = new Uint32Array(n);
    }
    const order = this.order;
    let loss = 0;
    for (let e = 0; e < epochs; e++) {
      for (let i = 0; i < n; i++) order[i] = i;
      if (shuffle) {
        for (let i = n - 1; i > 0; i--) {
          const j = (this.rand() * (i + 1)) | 0;
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      }
      loss = 0;
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(start + batchSize, n);
        loss += this.step(x, y, order, start, end);
      }
      loss /= n;
    }
    return loss;
  }

  /** One optimizer step on the rows order[start .. end); returns their summed loss. */
  step(x, y, order, start, end) {
    const { ni, nh, no, w1, b1, w2, b2, gw1, gb1, gw2, gb2, h, o, dh, dout, g, tanh, softmax } = this;
    g.fill(0);
    let loss = 0;
    for (let r = start; r < end; r++) {
      const row = order[r];
      const xo = row * ni;
      const yo = row * no;
      // Hidden layer.
      for (let j = 0; j < nh; j++) {
        let s = b1[j];
        const wo = j * ni;
        for (let k = 0; k < ni; k++) s += w1[wo + k] * x[xo + k];
        h[j] = tanh ? Math.tanh(s) : 1 / (1 + Math.exp(-s));
      }
      // Output layer, loss and its delta.
      if (softmax) {
        let max = -Infinity;
        for (let j = 0; j < no; j++) {
          let s = b2[j];
          const wo = j * nh;
          for (let k = 0; k < nh; k++) s += w2[wo + k] * h[k];
          o[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < no; j++) {
          const e = Math.exp(o[j] - max);
          o[j] = e;
          sum += e;
        }
        for (let j = 0; j < no; j++) {
          const p = o[j] / sum;
          const t = y[yo + j];
          if (t !== 0) loss -= t * Math.log(p > 1e-7 ? p : 1e-7);
          dout[j] = p - t;
        }
      } else {
        for (let j = 0; j < no; j++) {
          let s = b2[j];
          const wo = j * nh;
          for (let k = 0; k < nh; k++) s += w2[wo + k] * h[k];
          const a = 1 / (1 + Math.exp(-s));
          const diff = a - y[yo + j];
          loss += 0.5 * diff * diff;
          dout[j] = diff * a * (1 - a);
        }
      }
      // Backward: output gradients and the hidden deltas.
      dh.fill(0);
      for (let j = 0; j < no; j++) {
        const d = dout[j];
        const wo = j * nh;
        gb2[j] += d;
        for (let k = 0; k < nh; k++) {
          gw2[wo + k] += d * h[k];
          dh[k] += d * w2[wo + k];
        }
      }
      for (let j = 0; j < nh; j++) {
        const a = h[j];
        const d = dh[j] * (tanh ? 1 - a * a : a * (1 - a));
        const wo = j * ni;
        gb1[j] += d;
        for (let k = 0; k < ni; k++) gw1[wo + k] += d * x[xo + k];
      }
    }
    this.update(1 / (end - start));
    return loss;
  }

  /** The optimizer step over the flat parameter block, gradients scaled to the batch mean. */
  update(scale) {
    const { p, g, m, v, lr } = this;
    const n = p.length;
    if (!this.adam) {
      const k = lr * scale;
      for (let i = 0; i < n; i++) p[i] -= k * g[i];
      return;
    }
    const t = ++this.t;
    const b1 = 0.9;
    const b2 = 0.999;
    const stepSize = lr / (1 - b1 ** t);
    const bc2 = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < n; i++) {
      const gi = g[i] * scale;
      const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2 + 1e-8);
    }
  }
}
