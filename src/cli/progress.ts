// Training progress. On a terminal: one line redrawn after every epoch, a bar with the figures
// of the last epoch and the time left. Elsewhere (a pipe, a log file, CI): one plain line per
// epoch, so logs stay readable and greppable.

import type { EpochStats } from '../node.js';

export interface ProgressOptions {
  epochs: number;
  tty: boolean;
  /** Terminal width for the bar; ignored for plain lines. */
  columns: number;
  /** Name of the loss figure ('loss', or 'mse' for regression). */
  lossName: string;
  /** Multiplies the reported losses (regression: the library's half-mse of a standardized target, back to the mse in the target's units). */
  lossScale: number;
  write: (text: string) => void;
}

const BAR = 20;

export class Progress {
  private readonly started = performance.now();

  constructor(private readonly o: ProgressOptions) {}

  epoch(stats: EpochStats): void {
    const done = stats.epoch + 1;
    const figures = this.figures(stats, this.o.tty);
    if (!this.o.tty) {
      this.o.write(`epoch ${done}/${this.o.epochs} ${figures}\n`);
      return;
    }
    const elapsed = (performance.now() - this.started) / 1000;
    const left = (elapsed / done) * (this.o.epochs - done);
    const filled = Math.round((BAR * done) / this.o.epochs);
    const bar = `[${'='.repeat(filled)}${' '.repeat(BAR - filled)}]`;
    // Most telling first: a narrow terminal cuts the line's end (it must never wrap, or \r redraws the wrong row).
    const line = `epoch ${String(done).padStart(String(this.o.epochs).length)}/${this.o.epochs} ${bar} ${formatSeconds(left)} left  ${figures}`;
    // \r and erase-line: redraw in place.
    this.o.write(`\r\x1b[2K${line.slice(0, Math.max(20, this.o.columns - 1))}`);
  }

  /** Ends the redrawn line (a stop before the last epoch leaves it where it was). */
  finish(): void {
    if (this.o.tty) this.o.write('\n');
  }

  /** The epoch's figures; `short` names for the terminal line, which has one row to fill. */
  private figures(s: EpochStats, short: boolean): string {
    const acc = short ? 'acc' : 'accuracy';
    const parts = [`${this.o.lossName} ${fmt(s.loss * this.o.lossScale)}`];
    if (s.accuracy !== undefined) parts.push(`${acc} ${s.accuracy.toFixed(4)}`);
    if (s.valLoss !== undefined) parts.push(`val_${this.o.lossName} ${fmt(s.valLoss * this.o.lossScale)}`);
    if (s.valAccuracy !== undefined) parts.push(`val_${acc} ${s.valAccuracy.toFixed(4)}`);
    parts.push(`${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s`);
    return parts.join(' ');
  }
}

/** Four significant digits, in exponent form only when very small or large. */
export function fmt(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}
