// The playground page: the setup form, a training run with its live plot and test-set results,
// the drawing pad (image data sets) or the decision boundary (2-D toys), and the race.
import { DATASETS, loadDataset, type Dataset, type DatasetName } from './data.js';
import { DrawingPad, paintMnist } from './draw.js';
import { LivePlot } from './plot.js';
import { CANCEL_GRACE_MS, TrainingWorker } from './client.js';
import type { FromWorker, ModelChoice, TrainDone } from './protocol.js';
import { Race } from './race.js';
import type { Activation, OptimizerKind } from 'wasm-mlp';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const select = (id: string): HTMLSelectElement => $<HTMLSelectElement>(id);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Sensible starting points: what trains in seconds and shows something worth seeing. */
const DEFAULTS: Record<Dataset['kind'], Record<string, string | boolean>> = {
  images: { hidden: '128', activation: 'relu', optimizer: 'adam', 'learning-rate': '0.001', epochs: '5', batch: '64', slow: false },
  points: { hidden: '8, 8', activation: 'tanh', optimizer: 'adam', 'learning-rate': '0.03', epochs: '100', batch: '16', slow: true },
};
/** Slow motion: a toy trains 100 epochs in a tenth of a second, too fast to watch its boundary move. */
const SLOW_MS = 25;
const CANCEL_GRACE_S = CANCEL_GRACE_MS / 1000;
const GRID = 60;
const GRID_RANGE = 1.6;

const worker = new TrainingWorker();
const plot = new LivePlot($('plot'));
const race = new Race($('race'), () => ({ dataset: datasetName(), model: model(), batchSize: batchSize(), base: location.href }));
let trained: DatasetName | null = null;
let points: Dataset | null = null;

function datasetName(): DatasetName {
  return select('dataset').value as DatasetName;
}

function model(): ModelChoice {
  const hidden = input('hidden').value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 4096)) throw new Error('hidden layers: whole numbers of units from 1 to 4096, comma-separated');
  return {
    hidden,
    activation: select('activation').value as Activation,
    optimizer: select('optimizer').value as OptimizerKind,
    learningRate: Number(input('learning-rate').value),
    backend: select('backend').value as ModelChoice['backend'],
    seed: Number(input('seed').value) >>> 0,
  };
}

function batchSize(): number {
  return Math.max(1, Math.round(Number(input('batch').value)) || 1);
}

function setStatus(text: string, error = false): void {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function setup(): void {
  const datasetSelect = select('dataset');
  for (const [name, info] of Object.entries(DATASETS)) datasetSelect.add(new Option(info.label, name));
  datasetSelect.addEventListener('change', () => chooseDataset(true));
  $('train').addEventListener('click', () => void train());
  $('cancel').addEventListener('click', () => {
    worker.cancel();
    setStatus('Cancelling…');
  });
  $('isolation').textContent = crossOriginIsolated
    ? 'This page is cross-origin isolated: Cancel stops a run within one batch.'
    : `This page is not cross-origin isolated: Cancel waits for the end of an epoch (at most ${CANCEL_GRACE_S} s, then the worker is replaced).`;
  race.onBusy = (busy) => {
    $<HTMLButtonElement>('train').disabled = busy || worker.busy;
  };
  setupDrawing();
  chooseDataset(false);
}

/** Shows the panels of the chosen data set's kind; `fillDefaults` puts that kind's settings in the form. */
function chooseDataset(fillDefaults: boolean): void {
  const info = DATASETS[datasetName()];
  if (fillDefaults) {
    for (const [id, value] of Object.entries(DEFAULTS[info.kind])) {
      if (typeof value === 'boolean') input(id).checked = value;
      else ($(id) as HTMLInputElement | HTMLSelectElement).value = value;
    }
  }
  $('draw-panel').hidden = info.kind !== 'images';
  $('boundary-panel').hidden = info.kind !== 'points';
  $('draw-title').textContent = datasetName() === 'digits' ? 'Draw a digit' : 'Draw a piece of clothing';
  points = null;
  if (info.kind === 'points') {
    void loadDataset(datasetName(), location.href).then((d) => {
      points = d;
      drawBoundary(null);
    });
  }
}

async function train(): Promise<void> {
  let choice: ModelChoice;
  try {
    choice = model();
  } catch (e) {
    setStatus((e as Error).message, true);
    return;
  }
  const name = datasetName();
  const epochs = Math.max(1, Math.round(Number(input('epochs').value)) || 1);
  const batch = batchSize();
  setRunning(true);
  plot.reset();
  clearResults();
  setStatus(`Loading ${DATASETS[name].label}…`);
  let samplesPerEpoch = 0;
  let gridInFlight = false;
  const listen = (m: FromWorker): void => {
    if (m.type === 'loaded') {
      samplesPerEpoch = m.train;
      trained = name; // the drawing pad asks the network as it trains
      setStatus(`Training on ${fmt(m.train)} samples, testing on ${fmt(m.test)}…`);
    } else if (m.type === 'progress') {
      plot.addTraining(m.at, m.loss, m.accuracy);
      setStatus(`epoch ${Math.min(epochs, Math.floor(m.at) + 1)}/${epochs} · loss ${m.loss.toFixed(4)} · accuracy ${m.accuracy.toFixed(3)} · ${fmt(m.samplesPerSecond)} samples/s`);
    } else if (m.type === 'epoch') {
      plot.addEpoch(m.epoch + 1, m.testLoss, m.testAccuracy);
      if (DATASETS[name].kind === 'points' && !gridInFlight) {
        gridInFlight = true;
        void worker.grid(GRID, GRID_RANGE).then((values) => {
          gridInFlight = false;
          drawBoundary(values);
        });
      }
    }
  };
  try {
    const done = await worker.train({ dataset: name, base: location.href, model: choice, epochs, batchSize: batch, evaluate: true, pauseMs: input('slow').checked ? SLOW_MS : 0 }, listen);
    showResults(done, name, samplesPerEpoch);
    if (DATASETS[name].kind === 'points') drawBoundary(await worker.grid(GRID, GRID_RANGE));
    else void predictDrawing();
  } catch (e) {
    setStatus(`Training failed: ${(e as Error).message}`, true);
  } finally {
    setRunning(false);
  }
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('train').disabled = running || race.busy;
  $<HTMLButtonElement>('cancel').disabled = !running;
  race.setBlocked(running);
  document.body.classList.toggle('running', running);
}

function clearResults(): void {
  $('test-accuracy').textContent = '-';
  delete $('test-accuracy').dataset.value;
  $('test-note').textContent = '';
  $('confusion').replaceChildren();
}

function showResults(done: TrainDone, name: DatasetName, samplesPerEpoch: number): void {
  if (done.terminated) {
    setStatus(`Cancelled: the worker was still busy after ${CANCEL_GRACE_S} s and was replaced. Train again to draw.`);
    trained = null;
    return;
  }
  const epochsDone = samplesPerEpoch ? done.samples / samplesPerEpoch : 0;
  const how = done.stopReason === 'aborted' ? `Cancelled after ${fmt(epochsDone, 2)} epochs` : `Trained ${fmt(epochsDone, 0)} epochs`;
  setStatus(`${how} in ${fmt(done.seconds, 2)} s · ${fmt(done.samplesPerSecond)} samples/s · ${fmt(done.parameters)} parameters`);
  if (done.testAccuracy === undefined || !done.confusion) {
    if (done.stopReason === 'aborted') $('test-note').textContent = 'Cancelled: the test set was not evaluated (the plot shows the epochs that finished).';
    return;
  }
  const out = $('test-accuracy');
  out.textContent = done.testAccuracy.toFixed(4);
  out.dataset.value = String(done.testAccuracy);
  $('test-note').textContent = `test loss ${done.testLoss!.toFixed(4)} on ${fmt(done.confusion.flat().reduce((a, b) => a + b, 0))} samples`;
  renderConfusion(done.confusion, DATASETS[name].classes);
}

/** confusion[actual][predicted] as a table, each cell shaded by its share of its row. */
function renderConfusion(m: number[][], classes: string[]): void {
  const table = $('confusion');
  // Columns by index (Fashion-MNIST's names would not fit), rows by index and name.
  const short = classes.map((c, i) => (c === String(i) ? c : `${i} ${c.split('/')[0]}`));
  const head = document.createElement('tr');
  head.append(document.createElement('th'));
  classes.forEach((_, i) => {
    const th = document.createElement('th');
    th.textContent = String(i);
    th.title = `predicted ${classes[i]}`;
    head.append(th);
  });
  const rows = m.map((row, actual) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = short[actual];
    th.title = `true ${classes[actual]}`;
    tr.append(th);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, predicted) => {
      const td = document.createElement('td');
      td.textContent = String(count);
      const share = count / total;
      td.style.background = actual === predicted ? `rgba(43, 138, 62, ${share})` : `rgba(224, 49, 49, ${Math.min(1, share * 3)})`;
      if (share > 0.6) td.style.color = '#fff';
      td.title = `${count} ${classes[actual]} predicted as ${classes[predicted]}`;
      tr.append(td);
    });
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

// ---- the drawing pad ----

let pad: DrawingPad;
let predicting = false;
let redo = false;

function setupDrawing(): void {
  pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => void predictDrawing());
  $('clear').addEventListener('click', () => {
    pad.clear();
    void predictDrawing();
  });
  paintMnist($<HTMLCanvasElement>('preview'), null);
}

/** Predicts the drawing; calls that come while one is in flight fold into one more afterwards. */
async function predictDrawing(): Promise<void> {
  if (predicting) {
    redo = true;
    return;
  }
  predicting = true;
  try {
    do {
      redo = false;
      const pixels = pad.toMnist();
      paintMnist($<HTMLCanvasElement>('preview'), pixels);
      const name = datasetName();
      if (!pixels || trained !== name) {
        showPrediction(null, pixels ? 'train a network on this data set first' : '');
        continue;
      }
      showPrediction(await worker.predict(pixels), 'the network is gone (cancelled): train again');
    } while (redo);
  } finally {
    predicting = false;
  }
}

function showPrediction(probabilities: Float32Array | null, whyNot: string): void {
  const list = $('probabilities');
  if (!probabilities) {
    $('prediction').textContent = whyNot || '-';
    delete $('prediction').dataset.class;
    list.replaceChildren();
    return;
  }
  const classes = DATASETS[datasetName()].classes;
  let best = 0;
  probabilities.forEach((p, i) => {
    if (p > probabilities[best]) best = i;
  });
  $('prediction').textContent = `${classes[best]} (${(100 * probabilities[best]).toFixed(1)}%)`;
  $('prediction').dataset.class = String(best);
  list.replaceChildren(
    ...Array.from(probabilities, (p, i) => {
      const li = document.createElement('li');
      li.dataset.p = String(p);
      li.classList.toggle('best', i === best);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = `${classes[i]} ${(100 * p).toFixed(1)}%`;
      li.append(bar, label);
      return li;
    }),
  );
}

// ---- the decision boundary (2-D toys) ----

/** The class-1 probability grid (or none yet) shaded, with the training points and test rings on top. */
function drawBoundary(grid: Float32Array | null): void {
  const canvas = $<HTMLCanvasElement>('boundary');
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.fillStyle = '#f8f9fa';
  ctx.fillRect(0, 0, width, height);
  if (grid) {
    const cell = width / GRID;
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const p = grid[r * GRID + c];
        // Orange (class 0) through white to blue (class 1).
        const t = Math.abs(p - 0.5) * 2;
        const [R, G, B] = p >= 0.5 ? [28, 126, 214] : [247, 103, 7];
        ctx.fillStyle = `rgb(${255 + (R - 255) * t * 0.6}, ${255 + (G - 255) * t * 0.6}, ${255 + (B - 255) * t * 0.6})`;
        ctx.fillRect(c * cell, r * cell, cell + 0.5, cell + 0.5);
      }
    }
  }
  if (!points) return;
  const toPx = (v: number, flip: boolean): number => ((flip ? -v : v) + GRID_RANGE) / (2 * GRID_RANGE) * width;
  const dot = (x: Float32Array, y: Int32Array, ring: boolean): void => {
    for (let i = 0; i < y.length; i++) {
      ctx.beginPath();
      ctx.arc(toPx(x[2 * i], false), toPx(x[2 * i + 1], true), 3, 0, 2 * Math.PI);
      const color = y[i] === 1 ? '#1864ab' : '#d9480f';
      if (ring) {
        ctx.strokeStyle = color;
        ctx.stroke();
      } else {
        ctx.fillStyle = color;
        ctx.fill();
      }
    }
  };
  dot(points.xTrain, points.yTrain, false);
  dot(points.xTest, points.yTest, true);
}

setup();
