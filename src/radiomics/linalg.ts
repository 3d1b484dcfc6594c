/** Small dense linear algebra shared by the shape and texture families. */

/**
 * Eigenvalues of a real symmetric matrix (row-major n×n) by cyclic Jacobi rotations, ascending.
 */
export function symmetricEigenvalues(m: ArrayLike<number>, n: number): number[] {
  const a = Float64Array.from(m);
  for (let sweep = 0; sweep < 100; sweep += 1) {
    let off = 0;
    for (let p = 0; p < n; p += 1) for (let q = p + 1; q < n; q += 1) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p += 1)
      for (let q = p + 1; q < n; q += 1) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let r = 0; r < n; r += 1) {
          const arp = a[r * n + p]!;
          const arq = a[r * n + q]!;
          a[r * n + p] = c * arp - sn * arq;
          a[r * n + q] = sn * arp + c * arq;
        }
        for (let r = 0; r < n; r += 1) {
          const apr = a[p * n + r]!;
          const aqr = a[q * n + r]!;
          a[p * n + r] = c * apr - sn * aqr;
          a[q * n + r] = sn * apr + c * aqr;
        }
      }
  }
  const ev: number[] = [];
  for (let p = 0; p < n; p += 1) ev.push(a[p * n + p]!);
  return ev.sort((x, y) => x - y);
}
