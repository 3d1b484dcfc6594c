/**
 * splitmix32 finaliser (Steele, Lea & Flood 2014; constants from C. Wellons' hash prospector): a
 * bijective 32-bit mix, used to derive independent seeds from labels and to seed xoshiro128**.
 */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}
