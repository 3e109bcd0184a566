// A training worker: loads a data set (cached), trains one network with the library's fit,
// and reports progress to the page. It keeps a second network, the "viewer", that gets the
// weights after every epoch: a network is BUSY while fit runs, and the viewer is what answers
// the page's predictions (the drawing pad, the decision boundary) during training and after.
import { Network, type NetworkOptions } from 'wasm-mlp';
import { loadDataset, type Dataset, type DatasetName } from './data.js';
import type { FromWorker, ModelChoice, ToWorker, TrainDone, TrainRequest } from './protocol.js';

/** About this many points of the training curves per epoch (a digits epoch has 125 batches of 64, a toy's 25), and at most about MAX_POINTS in all. */
const POINTS_PER_EPOCH = 50;
const MAX_POINTS = 1500;

const post = (message: FromWorker): void => postMessage(message);
const datasets = new Map<DatasetName, Promise<Dataset>>();
let controller: AbortController | null = null;
let viewer: Network | null = null;

onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'train':
      train(m).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
      break;
    case 'cancel':
      controller?.abort();
      break;
    case 'predict':
      post({ type: 'prediction', id: m.id, probabilities: answer(() => viewer!.predict(m.x)) });
      break;
    case 'grid':
      post({ type: 'grid', id: m.id, size: m.size, values: answer(() => classOneOnGrid(viewer!, m.size, m.range)) });
      break;
  }
};

/** A prediction from the viewer, or null when there is none or it does not fit (a question about another data set's network). */
function answer(predict: () => Float32Array): Float32Array | null {
  try {
    return viewer ? predict() : null;
  } catch {
    return null;
  }
}

function dataset(name: DatasetName, base: string): Promise<Dataset> {
  let d = datasets.get(name);
  if (!d) {
    d = loadDataset(name, base);
    d.catch(() => datasets.delete(name)); // a failed fetch may be retried
    datasets.set(name, d);
  }
  return d;
}

function networkOptions(data: Dataset, model: ModelChoice): NetworkOptions {
  return {
    inputSize: data.inputSize,
    layers: [...model.hidden.map((units) => ({ units, activation: model.activation })), { units: data.classes.length, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    optimizer: model.optimizer === 'sgd'
      ? { kind: 'sgd', learningRate: model.learningRate, momentum: 0.9 }
      : { kind: model.optimizer, learningRate: model.learningRate },
    seed: model.seed,
    backend: model.backend,
  };
}

async function train(req: TrainRequest): Promise<void> {
  controller = new AbortController();
  const abort = controller;
  const flag = req.cancelFlag ? new Int32Array(req.cancelFlag) : null;
  if (req.evaluate) {
    viewer?.dispose();
    viewer = null;
  }
  const data = await dataset(req.dataset, req.base);
  const n = data.yTrain.length;
  post({ type: 'loaded', train: n, test: data.yTest.length, inputSize: data.inputSize });
  if (abort.signal.aborted) {
    post({ type: 'done', stopReason: 'aborted', epochs: 0, samples: 0, seconds: 0, samplesPerSecond: 0, parameters: 0 });
    return;
  }

  const options = networkOptions(data, req.model);
  const net = await Network.create(options);
  if (req.evaluate) {
    viewer = await Network.create(options);
    viewer.setWeights(net.getWeights());
  }
  const batches = Math.ceil(n / Math.min(req.batchSize, n));
  const stride = Math.max(1, Math.floor(batches / POINTS_PER_EPOCH), Math.floor((batches * req.epochs) / MAX_POINTS));
  let samples = 0;
  // Sums over the batches since the last progress message.
  let lossSum = 0;
  let correctSum = 0;
  let count = 0;
  const t0 = performance.now();
  let pausedMs = 0; // slow motion's pauses, left out of the rate
  const rate = (): number => samples / Math.max((performance.now() - t0 - pausedMs) / 1000, 1e-9);
  try {
    const history = await net.fit(data.xTrain, data.yTrain, {
      epochs: req.epochs,
      batchSize: req.batchSize,
      signal: abort.signal,
      onBatchEnd: (s) => {
        if (flag && Atomics.load(flag, 0) !== 0) abort.abort();
        samples += s.size;
        lossSum += s.loss * s.size;
        correctSum += (s.accuracy ?? 0) * s.size;
        count += s.size;
        if ((s.batch + 1) % stride === 0 || s.batch === batches - 1 || abort.signal.aborted) {
          post({ type: 'progress', at: s.epoch + (s.batch + 1) / batches, loss: lossSum / count, accuracy: correctSum / count, samples, samplesPerSecond: rate() });
          lossSum = correctSum = count = 0;
        }
      },
      // The test set is evaluated here, by the viewer, rather than as fit's validationData:
      // fit evaluates validation data also after an epoch cut short by the signal, which on
      // the JS backend would hold Cancel up for a full pass over the test set.
      onEpochEnd: async (s) => {
        const test = viewer ? (viewer.setWeights(net.getWeights()), viewer.evaluate(data.xTest, data.yTest)) : undefined;
        post({
          type: 'epoch', epoch: s.epoch, loss: s.loss, accuracy: s.accuracy ?? 0,
          testLoss: test?.loss, testAccuracy: test?.accuracy, samplesPerSecond: rate(),
        });
        // While fit awaits this, the worker answers the page (the boundary grid, a cancel).
        if (req.pauseMs > 0) {
          const t = performance.now();
          await new Promise((resolve) => setTimeout(resolve, req.pauseMs));
          pausedMs += performance.now() - t;
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const done: TrainDone = {
      type: 'done', stopReason: history.stopReason, epochs: history.loss.length, samples, seconds,
      samplesPerSecond: rate(), parameters: net.parameterCount,
    };
    viewer?.setWeights(net.getWeights());
    // A cancelled run ends at once: no pass over the test set (the viewer still answers the pad).
    if (req.evaluate && history.stopReason !== 'aborted') {
      const evaluation = net.evaluate(data.xTest, data.yTest);
      done.testLoss = evaluation.loss;
      done.testAccuracy = evaluation.accuracy;
      done.confusion = confusion(net.predict(data.xTest), data.yTest, data.classes.length);
    }
    post(done);
  } finally {
    net.dispose();
    if (controller === abort) controller = null;
  }
}

/** confusion[actual][predicted] from the outputs (rows x classes) and the labels. */
function confusion(outputs: Float32Array, labels: Int32Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (outputs[r * classes + c] > outputs[r * classes + best]) best = c;
    m[labels[r]][best]++;
  }
  return m;
}

/** The probability of class 1 at the centres of a size x size grid over [-range, range]^2, top row first. */
function classOneOnGrid(net: Network, size: number, range: number): Float32Array {
  const x = new Float32Array(size * size * 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      x[2 * (r * size + c)] = -range + ((c + 0.5) / size) * 2 * range;
      x[2 * (r * size + c) + 1] = range - ((r + 0.5) / size) * 2 * range;
    }
  }
  const out = net.predict(x);
  const values = new Float32Array(size * size);
  for (let i = 0; i < values.length; i++) values[i] = out[2 * i + 1];
  return values;
}
