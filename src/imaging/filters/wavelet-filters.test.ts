import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUPPORTED_WAVELETS, UnknownWaveletError, waveletFilterBank } from './wavelet-filters.ts';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

/** Σ_n a[n]·b[n + shift], zero outside the filters. */
function correlation(a: Float64Array, b: Float64Array, shift: number): number {
  let s = 0;
  for (let n = 0; n < a.length; n += 1) {
    const m = n + shift;
    if (m >= 0 && m < b.length) s += a[n]! * b[m]!;
  }
  return s;
}

describe('wavelet filter banks', () => {
  for (const name of SUPPORTED_WAVELETS) {
    it(`${name} is an orthonormal two-channel filter bank`, () => {
      // Conditions for an orthonormal compactly supported wavelet (Daubechies, Ten Lectures
      // §5.1, §6.1; Mallat, A Wavelet Tour, Thm 7.2): Σh = √2, Σh² = 1, Σh[n]h[n+2k] = 0 (k ≠ 0);
      // the high pass g has Σg = 0, unit norm and is orthogonal to every even shift of h.
      const { decLo: h, decHi: g, recLo, recHi } = waveletFilterBank(name);
      const sum = (f: Float64Array) => f.reduce((s, v) => s + v, 0);
      close(sum(h), Math.SQRT2, 1e-14, 'Σ dec_lo');
      close(sum(g), 0, 1e-14, 'Σ dec_hi');
      close(correlation(h, h, 0), 1, 1e-14, 'Σ dec_lo²');
      close(correlation(g, g, 0), 1, 1e-14, 'Σ dec_hi²');
      for (let k = 1; 2 * k < h.length; k += 1) {
        close(correlation(h, h, 2 * k), 0, 1e-14, `Σ h[n]h[n+${2 * k}]`);
        close(correlation(g, g, 2 * k), 0, 1e-14, `Σ g[n]g[n+${2 * k}]`);
      }
      for (let k = -h.length; k <= h.length; k += 2) close(correlation(h, g, k), 0, 1e-14, `Σ h[n]g[n+${k}]`);
      // Synthesis filters are the time reverses of the analysis filters (orthogonal wavelet).
      for (let n = 0; n < h.length; n += 1) {
        assert.equal(recLo[n], h[h.length - 1 - n]);
        assert.equal(recHi[n], g[g.length - 1 - n]);
      }
    });
  }

  it('coif1 equals the closed form of the length-6 coiflet (tabulated in Daubechies, Ten Lectures, §8.2)', () => {
    // Scaling filter normalised to Σ = 1: [1−√7, 5+√7, 14+2√7, 14−2√7, 1−√7, −3+√7] / 32, times √2
    // for Σ = √2. PyWavelets' rec_lo is this order, dec_lo its reverse.
    const r7 = Math.sqrt(7);
    const closed = [1 - r7, 5 + r7, 14 + 2 * r7, 14 - 2 * r7, 1 - r7, -3 + r7].map(
      (v) => (v / 32) * Math.SQRT2,
    );
    const { recLo, decLo } = waveletFilterBank('coif1');
    closed.forEach((v, n) => close(recLo[n]!, v, 1e-15, `coif1 rec_lo[${n}]`));
    closed.forEach((v, n) => close(decLo[5 - n]!, v, 1e-15, `coif1 dec_lo[${5 - n}]`));
  });

  it('coif1 dec_hi has the sign convention of PyWavelets wavelets.c: (−1)^(F−1−i)·rec_lo[i]', () => {
    // Independent of our derivation: for F = 6, dec_hi = [−c0, c1, −c2, c3, −c4, c5]·√2 with c the
    // closed-form coefficients above, so dec_hi[2] (the largest tap, −(14+2√7)/32·√2) is negative.
    const r7 = Math.sqrt(7);
    const c = [1 - r7, 5 + r7, 14 + 2 * r7, 14 - 2 * r7, 1 - r7, -3 + r7].map((v) => (v / 32) * Math.SQRT2);
    const expected = c.map((v, i) => (i % 2 === 0 ? -v : v));
    const { decHi } = waveletFilterBank('coif1');
    expected.forEach((v, n) => close(decHi[n]!, v, 1e-15, `coif1 dec_hi[${n}]`));
    assert.ok(decHi[2]! < -0.85);
  });

  it('haar / db1 and db2 equal their closed forms (Daubechies 1988)', () => {
    const haar = waveletFilterBank('haar');
    assert.deepEqual([...haar.decLo], [Math.SQRT1_2, Math.SQRT1_2]);
    // PyWavelets: pywt.Wavelet('haar').dec_hi == [-1/√2, 1/√2]
    assert.deepEqual([...haar.decHi], [-Math.SQRT1_2, Math.SQRT1_2]);
    assert.deepEqual([...waveletFilterBank('db1').decLo], [...haar.decLo]);
    const r3 = Math.sqrt(3);
    const db2 = [1 + r3, 3 + r3, 3 - r3, 1 - r3].map((v) => v / (4 * Math.SQRT2));
    const { recLo } = waveletFilterBank('db2');
    db2.forEach((v, n) => close(recLo[n]!, v, 1e-15, `db2 rec_lo[${n}]`));
  });

  it('float32 banks hold float32 values close to the float64 bank', () => {
    for (const name of SUPPORTED_WAVELETS) {
      const f32 = waveletFilterBank(name, 'float32');
      const f64 = waveletFilterBank(name);
      f32.decLo.forEach((v, n) => {
        assert.equal(Math.fround(v), v);
        close(v, f64.decLo[n]!, 1e-7, `${name} float32 dec_lo[${n}]`);
      });
    }
  });

  it('refuses an unknown wavelet and lists the supported ones', () => {
    assert.throws(
      () => waveletFilterBank('db99'),
      (e: unknown) =>
        e instanceof UnknownWaveletError && e.message.includes('db99') && e.message.includes('coif1, coif2'),
    );
    assert.throws(() => waveletFilterBank('toString'), UnknownWaveletError);
  });
});
