// The exported ABI of the inference build (build/infer.wasm, the `wasm-mlp/infer` entry): the
// forward pass and the input check, from the same sources as the full core, so the same bits.
// No training kernels, no thread pool: the optimiser drops everything else.

export { forward } from './network';
export { firstNonFinite } from './checks';
export { crc32 } from './crc';
// Int8 models (format version 3): their forward pass, evaluation and weight packing.
export { forwardQuantized, packInt8Weights, packedInt8Bytes } from './quant';
