// The binary interface between src/ (TypeScript) and assembly/ (AssemblyScript), defined once.
// assembly/ imports this very file, so it holds only plain integer constants that are valid
// in both languages. Changing a value here changes both sides.

// Activation codes (order of ACTIVATIONS in src/enums.ts; a test checks they agree).
export const ACT_LINEAR = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;
export const ACT_RELU = 3;
export const ACT_LEAKY_RELU = 4;
export const ACT_ELU = 5;
export const ACT_SOFTPLUS = 6;
export const ACT_SOFTMAX = 7;

// Loss codes (order of LOSSES).
export const LOSS_MSE = 0;
export const LOSS_BCE = 1;
export const LOSS_CCE = 2;

// Optimizer codes (order of OPTIMIZERS).
export const OPT_SGD = 0;
export const OPT_ADAM = 1;
export const OPT_RMSPROP = 2;

// Network descriptor: a block of 32-bit words in linear memory written by src/core-net.ts
// and read by assembly/network.ts. Pointers are byte addresses; "F_" fields are f32, the rest
// i32. The layer table follows the header: NET_HEADER_WORDS + l * LAYER_WORDS.
export const NET_LAYERS = 0; // number of layers L
export const NET_INPUT = 1; // input size
export const NET_LOSS = 2; // LOSS_* code
export const NET_OPT = 3; // OPT_* code
export const NET_PARAM_COUNT = 4; // floats in the parameter block
export const NET_WEIGHT_COUNT = 5; // leading floats of the block that are weights (decayed)
export const NET_PARAMS = 6; // parameter block [W_1..W_L | b_1..b_L]
export const NET_GRADS = 7; // gradient block, same layout
export const NET_STATE1 = 8; // optimizer state 1 (sgd momentum buffer, adam m, rmsprop v)
export const NET_STATE2 = 9; // optimizer state 2 (adam v)
export const NET_CAPACITY = 10; // rows of every activation region
export const NET_X = 11; // batch input rows (capacity x input)
export const NET_Y = 12; // batch target rows (capacity x outputs)
export const NET_PACK = 13; // packing scratch for GEMM B operands
export const NET_STEP = 14; // optimizer step count t (written by wasm)
export const NET_NESTEROV = 15; // 1 for Nesterov momentum
export const NET_F_LR = 16;
export const NET_F_MOMENTUM = 17;
export const NET_F_BETA1 = 18;
export const NET_F_BETA2 = 19;
export const NET_F_RHO = 20;
export const NET_F_EPSILON = 21;
export const NET_F_WEIGHT_DECAY = 22;
export const NET_DATA_X = 23; // training set inputs (n x input), for trainBatches
export const NET_DATA_Y = 24; // training set targets (n x outputs)
export const NET_DATA_N = 25; // training set size n
export const NET_RNG = 26; // 4 u32: xoshiro128** state for shuffling inside trainEpochs
export const NET_PACKED = 27; // 1 while every layer's packed W^T copy matches the parameters
export const NET_RESULT = 28; // 2 f64 (8-aligned): [loss, correct] of the last evaluate
export const NET_TILE = 32; // 4 x 8 f32 scratch for partial GEMM tiles
export const NET_FAIL_BATCH = 33; // trainEpochs: batch whose loss was not finite
export const NET_PACK_BYTES = 36; // bytes of the packing scratch (NET_PACK)
export const NET_SW = 37; // batch sample weights (capacity f32), 0 without sample weights
export const NET_DATA_W = 38; // training set sample weights (n f32), 0 without
export const NET_F_CLIP = 39; // clipNorm: largest global L2 norm of the gradients, 0 = off
export const NET_HEADER_WORDS = 40;

// Per-layer entries of the layer table.
export const LAYER_IN = 0; // units of the previous layer
export const LAYER_OUT = 1; // units of this layer
export const LAYER_ACT = 2; // ACT_* code
export const LAYER_W = 3; // float offset of W_l in the parameter block
export const LAYER_B = 4; // float offset of b_l in the parameter block
export const LAYER_Z = 5; // pre-activations (capacity x out)
export const LAYER_A = 6; // activations (capacity x out)
export const LAYER_DELTA = 7; // deltas dC/dz (capacity x out)
export const LAYER_WT = 8; // W_l^T packed in 8-column panels for the forward GEMM (in x pad8(out))
export const LAYER_W_FINITE = 9; // 1 when the last packing of W_l found every weight finite
// Dropout of the layer's outputs in training steps: an output is kept when the top 24 bits of
// its draw from the network's stream (next >>> 8) are >= LAYER_DROP_T = ceil(p * 2^24), and
// then scaled by LAYER_F_DROP_SCALE = f32(1 / (1 - p)); LAYER_DROP_T 0 means no dropout.
export const LAYER_DROP_T = 10;
export const LAYER_F_DROP_SCALE = 11;
export const LAYER_MASK = 12; // the step's factors, 0 or the scale (capacity x out)
export const LAYER_DROPPED = 13; // A * mask, the next layer's input in a training step (capacity x out)
// The activation's parameter, f32: leaky-relu's slope for z <= 0, elu's alpha in alpha (e^z - 1)
// (0 for the activations without one).
export const LAYER_F_ALPHA = 14;
export const LAYER_WORDS = 16;

// Status codes returned by exported functions.
export const OK = 0;

// Threads (threaded build only; 1 or absent means the calling thread does everything).
export const NET_POOL = 34; // address of the runtime's thread-pool block, 0 without one
export const NET_THREADS = 35; // threads this network may use, the calling one included

// The thread-pool block, shared by every network of a threaded runtime. Word offsets; the
// counters that threads hammer sit on their own 64-byte lines. The protocol is in
// assembly/threads.ts.
export const POOL_SEQ = 0; // job sequence: odd while the caller writes a job, even when posted
export const POOL_NEXT = 16; // next chunk to claim
export const POOL_DONE = 32; // chunks finished
export const POOL_ACTIVE = 48; // workers between "saw a job" and "finished claiming"
export const POOL_SLEEPERS = 65; // bit id set while worker id is blocked in atomic.wait
export const POOL_CHUNKS = 66; // chunks in the posted job
export const POOL_THREADS = 67; // threads the posted job may use (worker ids below it claim)
export const POOL_KIND = 68; // JOB_* code of the posted job
export const POOL_WORKER_CHUNKS = 608; // chunks computed by workers so far (a statistic; own line)
export const POOL_FAILED = 69; // workers that died (trapped, or were lost) inside a job; the pool is then unused
export const POOL_WORKERS_FIRST = 70; // tests: 1 makes the caller wait until a worker took a chunk
// tests: 1 makes the next worker that claims a chunk trap; 2 makes it hold the chunk, spinning
// while this word is 3 (it stores 3 when it holds one); 4 makes the next worker that finished
// claiming hold before it leaves ACTIVE, spinning while this word is 5
export const POOL_TRAP = 71;
// workers the caller gave up on because their job made no progress for the stall bound
// (killed from outside, or stalled); also counted in POOL_FAILED
export const POOL_LOST = 72;
export const POOL_ARGS = 80; // up to 16 argument words of the posted job
export const POOL_TILES = 96; // per-thread 32-float scratch: thread t at POOL_TILES + 32 t
export const POOL_MAX_THREADS = 16;
// Worker id's doorbell is POOL_WAKE + id: the caller stores a posted job's SEQ there for each
// worker the job may use; a worker waits on its own word only (one line for all 16).
export const POOL_WAKE = 624;
// POOL_WOKEN + id counts the times worker id woke for a job (a statistic, for tests).
export const POOL_WOKEN = 640;
export const POOL_WORDS = 96 + 32 * POOL_MAX_THREADS + 16 + 2 * POOL_MAX_THREADS;

export const JOB_GEMM = 1; // column panels of one gemm call
export const JOB_OPTIMIZER = 2; // ranges of the parameter block in one optimizer step
export const JOB_PACK_T = 3; // panels of one packTransposed call
export const JOB_PACK_ROWS = 4; // panels of one packRows call
export const JOB_GEMM_SPARSE = 5; // 24-column blocks of one gemmSparse call
export const JOB_SPARSE_COUNT = 6; // rows of sparseRows' count pass
export const JOB_SPARSE_FILL = 7; // rows of sparseRows' fill pass
