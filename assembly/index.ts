// The exported ABI: thin functions taking pointers and sizes. Memory is imported and planned
// by src/ (see src/abi.ts for the descriptor layout); nothing here allocates.

export { forward, backprop, update as optimizerStep, trainBatches, trainRows, trainEpochs, evaluate, setSparsePath, sparsePathCalls } from './network';
export { nextU32, shuffle, fillSymmetric } from './random';
export { gemm, gemmNarrow, gemmReference, gemmSparse, sparseRows, sparseStarts, packTransposed, packRows, packedSize } from './gemm';
export { activationForward, activationBackward } from './activations';
export { workerLoop } from './threads';
export { firstNonFinite } from './checks';
export { setSmallPath, smallPathCalls, lanesProduct, lanesDots, outerDots, unitDots } from './small';
export { tinyActivation, tinyPathCalls } from './tiny';
export { forwardQuantized, evaluateQuantized, packInt8Weights, packedInt8Bytes, quantizeRows, quantizeReluRows, quantizeRowsReference, softmaxRows, gemmInt8, gemmInt8Reference } from './quant';
