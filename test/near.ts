// Element-wise comparison with another producer's outputs (ONNX and TF.js imports):
// |ours - theirs| <= 1e-5 absolute, relative above 1.
export function expectNear(ours: ArrayLike<number>, theirs: ArrayLike<number>, where: string): void {
  if (ours.length !== theirs.length) throw new Error(`${where}: ${ours.length} values vs ${theirs.length}`);
  for (let i = 0; i < ours.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(theirs[i]));
    if (!(Math.abs(ours[i] - theirs[i]) <= tol)) throw new Error(`${where}[${i}]: ${ours[i]} vs ${theirs[i]} (tolerance ${tol})`);
  }
}
