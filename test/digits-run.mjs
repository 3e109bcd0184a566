// The fixed learning run of test/mnist.test.ts, shared with scripts/digits-accuracy.mjs (which
// measures it on each planted core bug to set the test's threshold). Plain SGD on purpose:
// Adam divides each step by the gradient's own scale, so a bug that scales the gradient (a
// halved output delta) barely changes what Adam learns; SGD's step is proportional to it.
export const DIGITS_RUN = {
  options: {
    inputSize: 784,
    layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    optimizer: { kind: 'sgd', learningRate: 0.2 },
    seed: 42,
  },
  fit: { epochs: 5, batchSize: 64 },
};
