// The page side: starts the worker, sends it "train" and "cancel", shows its progress
// messages and draws the decision regions it sends back. Nothing here blocks: the worker does
// all the computing.
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

const $ = (id) => document.getElementById(id);
const trainButton = $('train');
const cancelButton = $('cancel');
const progress = $('progress');
const status = $('status');

/** Colours of the three classes: regions light, sample points dark. */
const REGION = [[255, 205, 205], [205, 235, 205], [205, 215, 255]];
const POINT = [[200, 30, 30], [30, 140, 30], [30, 60, 200]];

trainButton.addEventListener('click', () => {
  const epochs = Number($('epochs').value);
  progress.max = epochs;
  progress.value = 0;
  document.body.dataset.state = 'training';
  document.body.dataset.progress = '0';
  trainButton.disabled = true;
  cancelButton.disabled = false;
  status.textContent = 'Starting…';
  worker.postMessage({ type: 'train', epochs });
});

cancelButton.addEventListener('click', () => {
  cancelButton.disabled = true;
  worker.postMessage({ type: 'cancel' });
});

worker.addEventListener('message', ({ data }) => {
  if (data.type === 'progress') {
    progress.value = data.epoch + 1;
    document.body.dataset.progress = String(data.epoch + 1);
    status.textContent = `Epoch ${data.epoch + 1}: loss ${data.loss.toFixed(4)}, accuracy ${data.accuracy.toFixed(3)}`;
  } else if (data.type === 'done') {
    trainButton.disabled = false;
    cancelButton.disabled = true;
    status.textContent =
      `${data.stopReason === 'aborted' ? 'Cancelled' : 'Done'} after ${data.epochs} epochs ` +
      `(${data.stopReason}); accuracy on the ${data.points.length / 3} points: ${data.accuracy.toFixed(3)}`;
    Object.assign(document.body.dataset, { state: 'done', stopReason: data.stopReason, epochs: String(data.epochs), accuracy: String(data.accuracy) });
    draw(data);
  } else if (data.type === 'error') {
    trainButton.disabled = false;
    cancelButton.disabled = true;
    status.textContent = `Failed: ${data.message}`;
    document.body.dataset.state = 'error';
  }
});

/** The predicted class of every pixel, then the training points on top. */
function draw({ grid, points }) {
  const canvas = $('plane');
  const { width, height } = canvas;
  const image = new ImageData(width, height);
  grid.forEach((cls, i) => image.data.set([...REGION[cls], 255], i * 4));
  // points: x, y in [-1, 1] and the class, three numbers per point.
  for (let i = 0; i < points.length; i += 3) {
    const px = Math.round(((points[i] + 1) / 2) * (width - 1));
    const py = Math.round(((1 - points[i + 1]) / 2) * (height - 1));
    image.data.set([...POINT[points[i + 2]], 255], (py * width + px) * 4);
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
}
