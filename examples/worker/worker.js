// The worker side: trains a 2-64-64-3 network on three interleaved spirals, posting one
// progress message per epoch (onEpochEnd); a "cancel" message aborts the fit through an
// AbortSignal. fit yields to the event loop every ~20 ms, which is what lets the cancel
// message in while it runs. After training (complete or cancelled) it sends back the accuracy
// and the predicted class of every pixel of the page's canvas.
//
// Module workers do not see the page's import map, so the package is imported by its path
// from the server's root (a bundler would let you write 'wasm-mlp').
import { Network } from '/node_modules/wasm-mlp/dist/index.js';

const GRID = 100; // the page's canvas is GRID x GRID pixels
const data = spirals(3, 1000, 7);
let controller = null;

self.addEventListener('message', async ({ data: message }) => {
  if (message.type === 'cancel') controller?.abort();
  if (message.type === 'train' && !controller) {
    controller = new AbortController();
    try {
      await train(message.epochs, controller.signal);
    } catch (error) {
      self.postMessage({ type: 'error', message: error.message });
    } finally {
      controller = null;
    }
  }
});

async function train(epochs, signal) {
  const net = await Network.create({
    inputSize: 2,
    layers: [
      { units: 64, activation: 'relu' },
      { units: 64, activation: 'relu' },
      { units: 3, activation: 'softmax' },
    ],
    optimizer: { kind: 'adam', learningRate: 0.01 },
    seed: 1,
  });
  try {
    const history = await net.fit(data.x, data.labels, {
      epochs,
      batchSize: 32,
      signal,
      onEpochEnd: ({ epoch, loss, accuracy }) => self.postMessage({ type: 'progress', epoch, loss, accuracy }),
    });
    const { accuracy } = net.evaluate(data.x, data.labels);
    self.postMessage({
      type: 'done',
      stopReason: history.stopReason, // 'completed' or 'aborted'
      epochs: history.loss.length,
      accuracy,
      grid: classesOnGrid(net),
      points: data.points,
    });
  } finally {
    net.dispose();
  }
}

/** The predicted class at each pixel's centre, rows from the top (y = 1) down. */
function classesOnGrid(net) {
  const xy = new Float32Array(GRID * GRID * 2);
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < GRID; col++) {
      xy[(row * GRID + col) * 2] = (col / (GRID - 1)) * 2 - 1;
      xy[(row * GRID + col) * 2 + 1] = 1 - (row / (GRID - 1)) * 2;
    }
  }
  const p = net.predict(xy); // GRID * GRID rows of 3 probabilities
  return Array.from({ length: GRID * GRID }, (_, i) => {
    const [a, b, c] = p.subarray(i * 3, i * 3 + 3);
    return a >= b && a >= c ? 0 : b >= c ? 1 : 2;
  });
}

/**
 * `arms` spirals of `perArm` points in [-1, 1]^2, each turning once and a half around the
 * origin, with a little seeded noise. x: flat (points x 2); points: x, y, class per point.
 */
function spirals(arms, perArm, seed) {
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float32Array(arms * perArm * 2);
  const labels = new Int32Array(arms * perArm);
  const points = [];
  for (let arm = 0; arm < arms; arm++) {
    for (let i = 0; i < perArm; i++) {
      const r = (i + 1) / perArm;
      const angle = (arm * 2 * Math.PI) / arms + r * 3 * Math.PI + (random() - 0.5) * 0.3;
      const n = arm * perArm + i;
      x[n * 2] = r * Math.cos(angle) * 0.95;
      x[n * 2 + 1] = r * Math.sin(angle) * 0.95;
      labels[n] = arm;
      points.push(x[n * 2], x[n * 2 + 1], arm);
    }
  }
  return { x, labels, points };
}
