// A training task big enough that every kind of job crosses the thread thresholds (gemm,
// packing, optimizer step), with awkward shapes: 197 and 10 columns (partial panels) and
// batches of 50 rows (two rows for the 1-row kernel). Plain JS: Node, child processes and the
// browser page run it alike. Returns the trained parameters as hex.
export async function trainThreaded(Network, threads, optimizer = { kind: 'adam', learningRate: 0.003, weightDecay: 1e-4 }) {
  const n = 300;
  const nin = 96;
  const x = new Float32Array(n * nin);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 10;
    for (let j = 0; j < nin; j++) x[i * nin + j] = Math.sin(i * 0.11 + j * 0.7) + (j % 10 === y[i] ? 0.5 : 0);
  }
  const net = await Network.create({
    inputSize: nin,
    layers: [{ units: 256, activation: 'relu' }, { units: 197, activation: 'tanh' }, { units: 10, activation: 'softmax' }],
    optimizer,
    seed: 7,
    threads,
  });
  await net.fit(x, y, { epochs: 3, batchSize: 50, shuffle: true });
  const out = net.predict(x.subarray(0, 40 * nin));
  const w = net.getWeights();
  const used = net.threads;
  net.dispose();
  const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
  return { threads: used, hex: [...w.weights, ...w.biases, out].map(hex).join('|') };
}
