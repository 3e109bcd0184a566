// The drawing pad: pointer events (mouse, pen and touch) draw thick strokes on a canvas, and
// toMnist turns the drawing into a 28x28 input the way MNIST's digits were made: the ink's
// bounding box scaled (keeping its aspect ratio, averaging over area) to fit a 20x20 box,
// then placed in the 28x28 image so that its centre of mass is at the centre.

const SIDE = 28;
const BOX = 20;

export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  /** Whether anything has been drawn since the last clear. */
  inked = false;

  /** `onChange` runs while drawing (the caller throttles) and once when a stroke ends. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly onChange: (final: boolean) => void) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    canvas.style.touchAction = 'none'; // a finger draws instead of scrolling the page
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'] as const) canvas.addEventListener(type, () => this.up());
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  /** The drawing as MNIST-style pixels in [0, 1] (784), or null when the pad is empty. */
  toMnist(): Float32Array | null {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255; // strokes are opaque on a transparent pad
    return toMnist(ink, width, height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this.canvas.width, y: ((e.clientY - r.top) / r.height) * this.canvas.height };
  }

  private down(e: PointerEvent): void {
    this.canvas.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
    this.stroke(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.point(e);
    this.stroke(this.last, p);
    this.last = p;
    this.onChange(false);
  }

  private up(): void {
    if (!this.last) return;
    this.last = null;
    this.onChange(true);
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const c = this.ctx;
    c.strokeStyle = '#111';
    c.lineWidth = this.canvas.width / 12; // about MNIST's stroke once a digit's 20 px box is this pad's height
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a.x, a.y);
    c.lineTo(b.x, b.y);
    c.stroke();
    this.inked = true;
  }
}

/** `ink` (width x height, values in [0, 1]) as a 28x28 MNIST image, or null if there is no ink. */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const small = resampleArea(ink, width, x0, y0, w, h, tw, th);

  // Centre of mass of the scaled ink, in pixel-centre coordinates.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += (x + 0.5) * v;
      my += (y + 0.5) * v;
    }
  }
  const ox = Math.round(SIDE / 2 - mx / mass);
  const oy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE) out[ty * SIDE + tx] = Math.min(1, small[y * tw + x]);
    }
  }
  return out;
}

/**
 * The w x h region at (x0, y0) of `src` (rows of `stride`) resampled to tw x th, each output
 * pixel the mean of the source area it covers (fractional pixels weighted by their overlap).
 */
function resampleArea(src: Float32Array, stride: number, x0: number, y0: number, w: number, h: number, tw: number, th: number): Float32Array {
  const xs = overlaps(w, tw);
  const ys = overlaps(h, th);
  const out = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      let sum = 0;
      for (const [sy, wy] of ys[ty]) for (const [sx, wx] of xs[tx]) sum += wy * wx * src[(y0 + sy) * stride + x0 + sx];
      out[ty * tw + tx] = sum;
    }
  }
  return out;
}

/** For each of `to` output cells over `from` source cells: [source index, weight] pairs, weights summing to 1. */
function overlaps(from: number, to: number): [number, number][][] {
  const step = from / to;
  return Array.from({ length: to }, (_, t) => {
    const a = t * step;
    const b = a + step;
    const cells: [number, number][] = [];
    for (let s = Math.floor(a); s < Math.min(from, Math.ceil(b)); s++) {
      const cover = Math.min(b, s + 1) - Math.max(a, s);
      if (cover > 0) cells.push([s, cover / step]);
    }
    return cells;
  });
}

/** Paints a 28x28 image (values in [0, 1]) on a 28x28 canvas, dark ink on white as the pad shows it. */
export function paintMnist(canvas: HTMLCanvasElement, pixels: Float32Array | null): void {
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = 255 - Math.round(255 * (pixels ? pixels[i] : 0));
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}
