// The binary interface of the int8 inference path (src/quantized.ts <-> assembly/quant.ts),
// defined once like src/abi.ts: assembly/ imports this file, so it holds only plain integer
// constants valid in both languages.

// Quantized-network descriptor: 32-bit words written by src/quantized.ts, read by
// assembly/quant.ts. Pointers are byte addresses; "F_" fields are f32. The layer table follows
// the header: QNET_HEADER_WORDS + l * QL_WORDS.
export const QNET_LAYERS = 0; // number of layers L
export const QNET_INPUT = 1; // input size
export const QNET_LOSS = 2; // LOSS_* code (src/abi.ts), for evaluate
export const QNET_CAPACITY = 3; // rows of every activation region
export const QNET_X = 4; // batch input rows, f32 (capacity x input)
export const QNET_Q = 5; // a layer's quantized input, i16 (capacity x the largest QL_KP)
export const QNET_Y = 6; // batch targets, f32 (capacity x outputs), for evaluate
export const QNET_RESULT = 8; // f64 loss sum, then f64 correct count (words 8-11; 8-byte aligned)
export const QNET_HEADER_WORDS = 12;

// Per-layer entries.
export const QL_IN = 0; // K: units of the previous layer
export const QL_OUT = 1; // N: units of this layer
export const QL_ACT = 2; // ACT_* code
export const QL_F_ALPHA = 3; // the activation's parameter (as LAYER_F_ALPHA)
export const QL_F_INV_SCALE = 4; // 1 / the input's scale: q = clamp(round(x * this), -127, 127)
export const QL_KP = 5; // K rounded up to even: the row stride of the quantized input, in i16
export const QL_W = 6; // int8 weights widened to i16, packed by packInt8Weights (pad8(N) x KP)
export const QL_SCALE = 7; // f32 per output: input scale x weight scale (pad8(N))
export const QL_BIAS = 8; // f32 per output (pad8(N))
export const QL_Z = 9; // pre-activations, f32 (capacity x N)
export const QL_A = 10; // activations, f32 (capacity x N); 0 for a relu layer followed by another (forwardQuantized quantizes its Z for the next layer)
export const QL_DELTA = 11; // scratch for evaluate's loss (output layer only), f32 (capacity x N)
export const QL_WORDS = 12;
