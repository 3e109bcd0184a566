// Trains a 2-8-1 network on XOR in the page's main thread (fit yields to the event loop every
// ~20 ms, so the page stays responsive), then shows its four predictions and its output over
// the unit square. For training that takes longer, see ../worker/ (a Web Worker).
import { Network } from 'wasm-mlp';

const status = document.getElementById('status');
const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [0, 1, 1, 0]; // one output: a flat list of targets (or rows [[0], [1], ...])

try {
  const net = await Network.create({
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary-cross-entropy',
    optimizer: { kind: 'adam', learningRate: 0.05 },
    seed: 1,
  });
  status.textContent = 'Training…';
  const started = performance.now();
  const history = await net.fit(x, y, { epochs: 500, batchSize: 4 });
  const ms = performance.now() - started;
  const finalLoss = history.loss[history.loss.length - 1];
  status.textContent = `Trained ${history.loss.length} epochs in ${ms.toFixed(0)} ms; final loss ${finalLoss.toFixed(4)}.`;

  const out = net.predict(x);
  document.getElementById('predictions').replaceChildren(
    ...x.map(([a, b], i) => {
      const tr = document.createElement('tr');
      for (const text of [a, b, out[i].toFixed(3), a ^ b]) tr.append(Object.assign(document.createElement('td'), { textContent: String(text) }));
      tr.dataset.output = String(out[i]);
      return tr;
    }),
  );
  drawPlane(net);
  net.dispose();
  document.body.dataset.done = 'true';
} catch (error) {
  status.textContent = `Failed: ${error.message}`;
  document.body.dataset.done = 'error';
  throw error;
}

/** One prediction per canvas pixel, all in one batch: the rows are the pixels' (a, b) points. */
function drawPlane(net) {
  const canvas = document.getElementById('plane');
  const { width, height } = canvas;
  const points = new Float32Array(width * height * 2);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      points[(py * width + px) * 2] = py / (height - 1); // a: down
      points[(py * width + px) * 2 + 1] = px / (width - 1); // b: across
    }
  }
  const values = net.predict(points);
  const image = new ImageData(width, height);
  values.forEach((v, i) => {
    image.data.set([v * 255, v * 255, v * 255, 255], i * 4);
  });
  canvas.getContext('2d').putImageData(image, 0, 0);
}
