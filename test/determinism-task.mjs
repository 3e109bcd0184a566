// One fixed training task shared by the in-process, child-process and browser determinism
// checks (plain JS that runs in Node and in a browser).
export async function trainFixed(Network, backend) {
  const n = 200;
  const x = new Float32Array(n * 6);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 4;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = Math.sin(i * 0.37 + j * 1.3) + (j === y[i] ? 1 : 0);
  }
  const net = await Network.create({
    inputSize: 6,
    layers: [{ units: 24, activation: 'elu' }, { units: 12, activation: 'tanh' }, { units: 4, activation: 'softmax' }],
    optimizer: { kind: 'adam', learningRate: 0.01, weightDecay: 1e-4 },
    seed: 2026,
    backend,
  });
  await net.fit(x, y, { epochs: 4, batchSize: 16, shuffle: true });
  const w = net.getWeights();
  net.dispose();
  return [...w.weights, ...w.biases]
    .map((a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join(''))
    .join('|');
}
