// The live training plot (uPlot): training loss and accuracy as the batches go by, test loss
// and accuracy once per epoch. x is in epochs (1.5 = half-way through the second epoch).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

type Column = (number | null)[];

export class LivePlot {
  private readonly plot: uPlot;
  private readonly data: [number[], Column, Column, Column, Column] = [[], [], [], [], []];
  private frame = 0;

  constructor(private readonly host: HTMLElement) {
    const line = (label: string, stroke: string, scale: string, dash?: number[]): uPlot.Series => ({
      label, stroke, scale, width: 2, dash, spanGaps: true, points: { show: false },
      value: (_u, v) => (v == null ? '-' : v.toFixed(4)),
    });
    const epochPoints = (s: uPlot.Series): uPlot.Series => ({ ...s, points: { show: true, size: 7, fill: s.stroke as string } });
    this.plot = new uPlot(
      {
        width: this.width(),
        height: 260,
        scales: { x: { time: false }, acc: { range: [0, 1] } },
        axes: [
          { label: 'epochs', stroke: '#555' },
          { scale: 'loss', label: 'loss', stroke: '#555' },
          { scale: 'acc', label: 'accuracy', side: 1, grid: { show: false }, stroke: '#555' },
        ],
        series: [
          { label: 'epoch', value: (_u, v) => (v == null ? '-' : v.toFixed(2)) },
          line('train loss', '#e8590c', 'loss'),
          line('train accuracy', '#1c7ed6', 'acc'),
          epochPoints(line('test loss', '#c92a2a', 'loss', [6, 4])),
          epochPoints(line('test accuracy', '#2b8a3e', 'acc', [6, 4])),
        ],
        legend: { live: true },
      },
      this.data,
      host,
    );
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: 260 })).observe(host);
  }

  reset(): void {
    for (const column of this.data) column.length = 0;
    this.redraw();
  }

  /** A point of the training curves: mean loss and accuracy of the batches since the previous one. */
  addTraining(at: number, loss: number, accuracy: number): void {
    this.push(at, loss, accuracy, null, null);
  }

  /** The end of an epoch: test-set loss and accuracy (absent when the run has none). */
  addEpoch(at: number, testLoss: number | undefined, testAccuracy: number | undefined): void {
    if (testLoss === undefined && testAccuracy === undefined) return;
    this.push(at, null, null, testLoss ?? null, testAccuracy ?? null);
  }

  /** Points on the plot, for the page's own status and the test. */
  get points(): number {
    return this.data[0].length;
  }

  private push(at: number, ...values: Column): void {
    this.data[0].push(at);
    values.forEach((v, i) => (this.data[i + 1] as Column).push(v));
    this.host.dataset.points = String(this.data[0].length);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.redraw());
  }

  private redraw(): void {
    this.frame = 0;
    this.host.dataset.points = String(this.data[0].length);
    this.plot.setData(this.data);
  }

  private width(): number {
    return Math.max(280, this.host.clientWidth);
  }
}
