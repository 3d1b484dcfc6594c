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

/** √(a² + b²) without overflow or destructive underflow (Math.hypot is far slower in V8). */
function pythag(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/**
 * Eigenvalues of a real symmetric matrix (row-major n×n), ascending, by Householder reduction
 * to tridiagonal form followed by the implicit QL algorithm with Wilkinson shifts (the classic
 * tred2/tql1 pair, eigenvalues only): about 4n³/3 operations instead of the several 4n³ sweeps
 * of Jacobi, for the larger matrices of the texture families (MCC).
 */
export function symmetricEigenvaluesTridiagonal(m: ArrayLike<number>, n: number): number[] {
  const a = Float64Array.from(m);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder: for i = n−1 … 1, annihilate a[i][0..i−2] (lower triangle is kept up to date).
  for (let i = n - 1; i > 0; i -= 1) {
    const l = i - 1;
    const ri = i * n;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k += 1) scale += Math.abs(a[ri + k]!);
      if (scale === 0) {
        e[i] = a[ri + l]!;
        continue;
      }
      let h = 0;
      for (let k = 0; k <= l; k += 1) {
        const x = a[ri + k]! / scale;
        a[ri + k] = x;
        h += x * x;
      }
      let f = a[ri + l]!;
      let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      a[ri + l] = f - g;
      f = 0;
      for (let j = 0; j <= l; j += 1) {
        const rj = j * n;
        g = 0;
        for (let k = 0; k <= j; k += 1) g += a[rj + k]! * a[ri + k]!;
        for (let k = j + 1; k <= l; k += 1) g += a[k * n + j]! * a[ri + k]!;
        e[j] = g / h;
        f += e[j]! * a[ri + j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j <= l; j += 1) {
        const rj = j * n;
        f = a[ri + j]!;
        g = e[j]! - hh * f;
        e[j] = g;
        for (let k = 0; k <= j; k += 1) a[rj + k]! -= f * e[k]! + g * a[ri + k]!;
      }
    } else {
      e[i] = a[ri + l]!;
    }
  }
  for (let i = 0; i < n; i += 1) d[i] = a[i * n + i]!;
  // Implicit QL on the tridiagonal (d, e): e[i] couples d[i] and d[i+1] after the shift below.
  for (let i = 1; i < n; i += 1) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l += 1) {
    for (let iter = 0; ; iter += 1) {
      let m2 = l;
      for (; m2 < n - 1; m2 += 1) {
        const dd = Math.abs(d[m2]!) + Math.abs(d[m2 + 1]!);
        if (Math.abs(e[m2]!) <= Number.EPSILON * dd) break;
      }
      if (m2 === l) break;
      if (iter === 60) throw new Error('symmetricEigenvaluesTridiagonal: no convergence');
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = pythag(g, 1);
      g = d[m2]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m2 - 1;
      for (; i >= l; i -= 1) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: the matrix splits; restart from l.
          d[i + 1]! -= p;
          e[m2] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l]! -= p;
      e[l] = g;
      e[m2] = 0;
    }
  }
  return Array.from(d).sort((x, y) => x - y);
}
