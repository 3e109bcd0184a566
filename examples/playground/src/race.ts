// The race: the network of the setup form trained at the same time in two workers, one on
// the wasm backend and one on the pure-JS backend, with the same seed, data and batches, so
// the two do the same arithmetic and only the speed differs. Each lane shows its progress and
// samples per second (samples trained / wall time since its fit started).
import type { Backend } from 'wasm-mlp';
import type { DatasetName } from './data.js';
import { TrainingWorker } from './client.js';
import type { ModelChoice, TrainDone } from './protocol.js';

interface RaceSettings {
  dataset: DatasetName;
  model: ModelChoice;
  batchSize: number;
  base: string;
}

const BACKENDS: Backend[] = ['wasm', 'js'];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export class Race {
  private readonly workers = new Map<Backend, TrainingWorker>();
  private running = false;
  private blocked = false;
  /** Told when a race starts and ends (the page disables Train meanwhile: the two would share the cores). */
  onBusy: (busy: boolean) => void = () => {};

  constructor(private readonly root: HTMLElement, private readonly settings: () => RaceSettings) {
    this.button('race-start').addEventListener('click', () => void this.start());
    this.button('race-cancel').addEventListener('click', () => {
      for (const w of this.workers.values()) w.cancel();
    });
  }

  get busy(): boolean {
    return this.running;
  }

  /** While the main panel trains, no race starts (it would measure two runs sharing two cores). */
  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    this.button('race-start').disabled = blocked || this.running;
  }

  private async start(): Promise<void> {
    let settings: RaceSettings;
    try {
      settings = this.settings();
    } catch (e) {
      this.output('race-ratio').textContent = (e as Error).message;
      return;
    }
    const epochs = Math.max(1, Math.round(Number((this.root.querySelector('#race-epochs') as HTMLInputElement).value)) || 1);
    this.setRunning(true);
    this.output('race-ratio').textContent = '…';
    const rates = new Map<Backend, number>();
    const runs = BACKENDS.map(async (backend) => {
      const lane = this.lane(backend);
      lane.progress.value = 0;
      lane.rate.textContent = '-';
      lane.rate.dataset.value = '';
      lane.note.textContent = 'loading…';
      let total = 0;
      let worker = this.workers.get(backend);
      if (!worker) this.workers.set(backend, (worker = new TrainingWorker()));
      try {
        const done: TrainDone = await worker.train({ ...settings, model: { ...settings.model, backend }, epochs, evaluate: false, pauseMs: 0 }, (m) => {
          if (m.type === 'loaded') {
            total = m.train * epochs;
            lane.note.textContent = 'training…';
          } else if (m.type === 'progress') {
            lane.progress.value = total ? m.samples / total : 0;
            lane.rate.textContent = `${fmt(m.samplesPerSecond)} samples/s`;
            rates.set(backend, m.samplesPerSecond);
            this.showRatio(rates, false);
          }
        });
        if (done.samples > 0) {
          rates.set(backend, done.samplesPerSecond);
          lane.rate.textContent = `${fmt(done.samplesPerSecond)} samples/s`;
          lane.rate.dataset.value = String(done.samplesPerSecond);
        }
        lane.note.textContent = done.terminated
          ? 'cancelled (the worker was replaced)'
          : done.stopReason === 'aborted'
          ? `cancelled after ${fmt(done.samples)} samples`
          : `${fmt(done.samples)} samples in ${done.seconds.toFixed(2)} s`;
      } catch (e) {
        lane.note.textContent = `failed: ${(e as Error).message}`;
      }
    });
    await Promise.all(runs);
    this.showRatio(rates, true);
    this.setRunning(false);
  }

  private showRatio(rates: Map<Backend, number>, final: boolean): void {
    const wasm = rates.get('wasm');
    const js = rates.get('js');
    const out = this.output('race-ratio');
    if (!wasm || !js) {
      if (final) out.textContent = '-';
      return;
    }
    const ratio = wasm / js;
    out.textContent = `${ratio.toFixed(ratio < 10 ? 2 : 1)}×${final ? '' : ' so far'}`;
    if (final) out.dataset.value = String(ratio);
  }

  private setRunning(running: boolean): void {
    this.running = running;
    this.button('race-start').disabled = running || this.blocked;
    this.button('race-cancel').disabled = !running;
    if (running) delete this.output('race-ratio').dataset.value;
    this.onBusy(running);
  }

  private lane(backend: Backend): { progress: HTMLProgressElement; rate: HTMLOutputElement; note: HTMLElement } {
    const el = this.root.querySelector(`#lane-${backend}`)!;
    return { progress: el.querySelector('progress')!, rate: el.querySelector('.rate')!, note: el.querySelector('.lane-note')! };
  }

  private button(id: string): HTMLButtonElement {
    return this.root.querySelector(`#${id}`) as HTMLButtonElement;
  }

  private output(id: string): HTMLOutputElement {
    return this.root.querySelector(`#${id}`) as HTMLOutputElement;
  }
}
