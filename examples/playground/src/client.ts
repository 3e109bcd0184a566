// The page's side of a training worker: start a run, follow it, cancel it, ask for predictions.
import type { FromWorker, ToWorker, TrainDone, TrainRequest } from './protocol.js';

/**
 * How long Cancel waits for the worker to stop by itself before terminating it. With a cancel
 * flag in shared memory the worker stops after the current batch (well under this); without
 * one (a page that is not cross-origin isolated) it hears the cancel message only between
 * epochs, and a long epoch (the pure-JS backend on a big network) would keep it busy.
 */
export const CANCEL_GRACE_MS = 1500;

export type Listener = (message: FromWorker) => void;

export class TrainingWorker {
  private worker!: Worker;
  private readonly flag: Int32Array | null;
  private run: { resolve: (done: TrainDone) => void; reject: (e: Error) => void; listener: Listener; timer?: ReturnType<typeof setTimeout> } | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (m: FromWorker) => void>();

  constructor() {
    this.flag = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.spawn();
  }

  get busy(): boolean {
    return this.run !== null;
  }

  /** Trains; `listener` hears every progress and epoch message; resolves with the final message. */
  train(request: Omit<TrainRequest, 'type' | 'cancelFlag'>, listener: Listener): Promise<TrainDone> {
    if (this.run) return Promise.reject(new Error('this worker is already training'));
    if (this.flag) Atomics.store(this.flag, 0, 0);
    return new Promise<TrainDone>((resolve, reject) => {
      this.run = { resolve, reject, listener };
      this.send({ ...request, type: 'train', cancelFlag: this.flag?.buffer as SharedArrayBuffer | undefined });
    });
  }

  /** Stops the current run after its current batch; a worker that does not answer in time is replaced. */
  cancel(): void {
    const run = this.run;
    if (!run || run.timer) return;
    if (this.flag) Atomics.store(this.flag, 0, 1);
    this.send({ type: 'cancel' });
    run.timer = setTimeout(() => {
      if (this.run !== run) return;
      this.worker.terminate();
      this.spawn(); // loses the data cache and the viewer network: the page asks for a new run
      this.finish({ type: 'done', stopReason: 'aborted', epochs: 0, samples: 0, seconds: 0, samplesPerSecond: 0, parameters: 0, terminated: true });
    }, CANCEL_GRACE_MS);
  }

  /** Outputs of the last trained network (the viewer) for the rows of `x`, or null if none yet. */
  predict(x: Float32Array): Promise<Float32Array | null> {
    return this.ask((id) => ({ type: 'predict', id, x }), (m) => (m.type === 'prediction' ? m.probabilities : null));
  }

  /** Class-1 probabilities on a size x size grid over [-range, range]^2, or null if no network yet. */
  grid(size: number, range: number): Promise<Float32Array | null> {
    return this.ask((id) => ({ type: 'grid', id, size, range }), (m) => (m.type === 'grid' ? m.values : null));
  }

  private ask<T>(message: (id: number) => ToWorker, pick: (m: FromWorker) => T | null): Promise<T | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (m) => resolve(pick(m)));
      this.send(message(id));
    });
  }

  private spawn(): void {
    // Answers still pending from a terminated worker never come: settle them empty.
    for (const settle of this.pending.values()) settle({ type: 'prediction', id: 0, probabilities: null });
    this.pending.clear();
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => this.fail(new Error(`worker: ${e.message || 'failed to start'}`));
  }

  private receive(m: FromWorker): void {
    if (m.type === 'prediction' || m.type === 'grid') {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
      return;
    }
    if (!this.run) return;
    if (m.type === 'error') this.fail(new Error(m.message));
    else if (m.type === 'done') this.finish(m);
    else this.run.listener(m);
  }

  private finish(done: TrainDone): void {
    const run = this.run;
    if (!run) return;
    clearTimeout(run.timer);
    this.run = null;
    run.resolve(done);
  }

  private fail(error: Error): void {
    const run = this.run;
    if (!run) return;
    clearTimeout(run.timer);
    this.run = null;
    run.reject(error);
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }
}
