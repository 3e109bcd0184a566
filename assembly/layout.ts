// Readers for the network descriptor and its layer table (layout in src/abi.ts).

import { NET_HEADER_WORDS, LAYER_WORDS, NET_X, LAYER_A } from '../src/abi';

// @ts-ignore: decorator
@inline export function field(net: usize, i: i32): i32 {
  return load<i32>(net + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function ptr(net: usize, i: i32): usize {
  return <usize>load<u32>(net + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function layerField(net: usize, l: i32, i: i32): i32 {
  return load<i32>(net + (<usize>(NET_HEADER_WORDS + l * LAYER_WORDS + i) << 2));
}
// An f32 entry of layer l (the LAYER_F_ words).
// @ts-ignore: decorator
@inline export function layerFloat(net: usize, l: i32, i: i32): f32 {
  return load<f32>(net + (<usize>(NET_HEADER_WORDS + l * LAYER_WORDS + i) << 2));
}
// @ts-ignore: decorator
@inline export function layerPtr(net: usize, l: i32, i: i32): usize {
  return <usize>load<u32>(net + (<usize>(NET_HEADER_WORDS + l * LAYER_WORDS + i) << 2));
}

// Activations feeding layer l: the batch input for l = 0, else layer l-1's a.
// @ts-ignore: decorator
@inline export function layerInput(net: usize, l: i32): usize {
  return l == 0 ? ptr(net, NET_X) : layerPtr(net, l - 1, LAYER_A);
}
