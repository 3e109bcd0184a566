// One start-up measurement in a fresh process (run by bench/run.js): from before the package
// is imported to after the first prediction of a 784-128-10 network, in ms on stdout. A file,
// not `node -e`: with -e the first import also pays for starting Node's ESM loader.
const t0 = performance.now();
const { Network } = await import('wasm-mlp');
const t1 = performance.now();
const net = await Network.create({ inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }] });
const t2 = performance.now();
net.predict(new Float32Array(784));
const t3 = performance.now();
process.stdout.write(JSON.stringify({ total: t3 - t0, import: t1 - t0, create: t2 - t1, predict: t3 - t2 }));
