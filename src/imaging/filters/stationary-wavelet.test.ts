import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVolume, type Vec3, type Volume } from '../volume.ts';
import {
  cropToSize,
  pyradiomicsWaveletAxes,
  stationaryWavelet,
  swtConvolve,
  swtnKeys,
  WaveletOptionsError,
  waveletImageNames,
  waveletImages,
  wrapPadToEven,
} from './stationary-wavelet.ts';
import { SUPPORTED_WAVELETS, UnknownWaveletError, waveletFilterBank } from './wavelet-filters.ts';

/** Deterministic pseudo-random numbers (LCG, Numerical Recipes constants) in [−500, 500). */
function randomData(n: number, seed = 12345): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 1) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 1000 - 500;
  }
  return out;
}

function volume(size: Vec3, data: Float64Array | Float32Array | Int16Array): Volume {
  return createVolume(
    { size, spacingMm: [0.7, 0.8, 2.5], originMm: [-10, 20, 30.5], direction: [0, 1, 0, 1, 0, 0, 0, 0, -1] },
    data,
  );
}

function energy(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i]! * a[i]!;
  return s;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i += 1) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `[${i}] ${a} vs ${e}`);
  }
}

/** Textbook periodic correlation with PyWavelets' alignment: out[o] = Σ f[j]·x[(o + ⌊F/2⌋ − j) mod N]. */
function naivePeriodic(x: ArrayLike<number>, f: ArrayLike<number>): Float64Array {
  const N = x.length;
  const out = new Float64Array(N);
  for (let o = 0; o < N; o += 1)
    for (let j = 0; j < f.length; j += 1) {
      const m = (((o + Math.floor(f.length / 2) - j) % N) + N) % N;
      out[o] = out[o]! + f[j]! * x[m]!;
    }
  return out;
}

/** Adjoint of `naivePeriodic`: y ↦ x with x[m] = Σ_o Σ_j f[j]·y[o]·[m ≡ o + ⌊F/2⌋ − j]. */
function naivePeriodicAdjoint(y: ArrayLike<number>, f: ArrayLike<number>): Float64Array {
  const N = y.length;
  const out = new Float64Array(N);
  for (let o = 0; o < N; o += 1)
    for (let j = 0; j < f.length; j += 1) {
      const m = (((o + Math.floor(f.length / 2) - j) % N) + N) % N;
      out[m] = out[m]! + f[j]! * y[o]!;
    }
  return out;
}

describe('one-level periodic convolution of the stationary transform (PyWavelets swt_)', () => {
  it('aligns output o with input o + ⌊F/2⌋ (hand-computed)', () => {
    // x = [1, 2, 3, 4], f = [1, 10, 100, 1000], F/2 = 2:
    // out[0] = 1·x2 + 10·x1 + 100·x0 + 1000·x3 = 3 + 20 + 100 + 4000 = 4123
    // out[1] = 1·x3 + 10·x2 + 100·x1 + 1000·x0 = 4 + 30 + 200 + 1000 = 1234
    // out[2] = 1·x0 + 10·x3 + 100·x2 + 1000·x1 = 1 + 40 + 300 + 2000 = 2341
    // out[3] = 1·x1 + 10·x0 + 100·x3 + 1000·x2 = 2 + 10 + 400 + 3000 = 3412
    const out = new Float64Array(4);
    swtConvolve([1, 2, 3, 4], [1, 10, 100, 1000], out);
    assert.deepEqual([...out], [4123, 1234, 2341, 3412]);
  });

  it('places the coif1 impulse response as derived from the alignment', () => {
    // δ at m = 0, N = 8, F = 6: out[o] = h[(o + 3) mod 8] where that index is a tap, so
    // out = [h3, h4, h5, 0, 0, h0, h1, h2].
    const h = waveletFilterBank('coif1').decLo;
    const out = new Float64Array(8);
    swtConvolve([1, 0, 0, 0, 0, 0, 0, 0], h, out);
    assert.deepEqual([...out], [h[3], h[4], h[5], 0, 0, h[0], h[1], h[2]]);
  });

  it('equals the textbook periodic correlation for every length, including filters longer than the signal', () => {
    for (const name of ['haar', 'db3', 'coif1', 'coif2'])
      for (const filter of Object.values(waveletFilterBank(name)).filter((v) => v instanceof Float64Array))
        for (let N = 1; N <= 14; N += 1) {
          const x = randomData(N, N);
          const out = new Float64Array(N);
          swtConvolve(x, filter, out);
          assertClose(out, naivePeriodic(x, filter), 1e-13, 1e-12);
        }
  });

  it("reproduces PyWavelets' own db1 test values (pywt/tests/test_swt.py, test_swt_decomposition)", () => {
    const x = [3, 7, 1, 3, -2, 6, 4, 6];
    const db1 = waveletFilterBank('db1');
    const cA1 = new Float64Array(8);
    const cD1 = new Float64Array(8);
    swtConvolve(x, db1.decLo, cA1);
    swtConvolve(x, db1.decHi, cD1);
    assertClose(
      cA1,
      [7.07106781, 5.65685425, 2.82842712, 0.70710678, 2.82842712, 7.07106781, 7.07106781, 6.36396103],
      1e-8,
    );
    assertClose(
      cD1,
      [-2.82842712, 4.24264069, -1.41421356, 3.53553391, -5.65685425, 1.41421356, -1.41421356, 2.12132034],
      1e-8,
    );
    // pywt.swt level 2 = level-2 (upsampled, à trous) filters applied to cA1
    const cA2 = new Float64Array(8);
    const cD2 = new Float64Array(8);
    swtConvolve(cA1, db1.decLo, cA2, 2);
    swtConvolve(cA1, db1.decHi, cD2, 2);
    assertClose(cA2, [7, 4.5, 4, 5.5, 7, 9.5, 10, 8.5], 1e-13);
    assertClose(cD2, [3, 3.5, 0, -4.5, -3, 0.5, 0, 0.5], 1e-13, 1e-13);
  });

  it('float32 arithmetic stays in float32 and near the float64 result', () => {
    const x = Float32Array.from(randomData(16, 7));
    const f = waveletFilterBank('coif1', 'float32').decHi;
    const out32 = new Float64Array(16);
    const out64 = new Float64Array(16);
    swtConvolve(x, f, out32, 1, 'float32');
    swtConvolve(x, f, out64);
    out32.forEach((v) => assert.equal(Math.fround(v), v));
    assertClose(out32, out64, 1e-5, 1e-4);
  });
});

describe('undecimated transform: energy and reconstruction', () => {
  it('one level preserves 2× the energy per axis and inverts by (Aᵀa + Gᵀd)/2 (1-D)', () => {
    // Orthonormal QMF pair: |H(ω)|² + |G(ω)|² = 2 (Daubechies, Ten Lectures §5.1), so for the
    // circular undecimated filter bank ‖a‖² + ‖d‖² = 2‖x‖² (Parseval) and AᵀA + GᵀG = 2I.
    for (const name of SUPPORTED_WAVELETS) {
      const { decLo, decHi } = waveletFilterBank(name);
      const x = randomData(24, 99);
      const a = new Float64Array(24);
      const d = new Float64Array(24);
      swtConvolve(x, decLo, a);
      swtConvolve(x, decHi, d);
      const rel = (energy(a) + energy(d)) / (2 * energy(x));
      assert.ok(Math.abs(rel - 1) < 1e-13, `${name}: energy ratio ${rel}`);
      const ra = naivePeriodicAdjoint(a, decLo);
      const rd = naivePeriodicAdjoint(d, decHi);
      assertClose(
        ra.map((v, i) => (v + rd[i]!) / 2),
        x,
        1e-12,
        1e-10,
      );
    }
  });

  it('the eight 3-D outputs hold 2³ = 8 times the input energy (even sizes, no padding)', () => {
    for (const name of SUPPORTED_WAVELETS) {
      const size: Vec3 = [10, 8, 6];
      const x = randomData(480, 3);
      const { details, approximation } = stationaryWavelet(volume(size, x), { wavelet: name });
      let total = energy(approximation.data);
      for (const v of details[0]!.values()) total += energy(v.data);
      assert.equal(details[0]!.size, 7);
      const rel = total / (8 * energy(x));
      assert.ok(Math.abs(rel - 1) < 1e-12, `${name}: energy ratio ${rel}`);
    }
  });

  it('two axes (force2D) give four outputs holding 2² = 4 times the energy', () => {
    const x = randomData(6 * 4 * 3, 5);
    const { details, approximation } = stationaryWavelet(volume([6, 4, 3], x), {
      axes: pyradiomicsWaveletAxes(true, 0),
    });
    // k (size 3, not transformed) is padded to 4 and cropped back: the energy identity holds per slice.
    let total = energy(approximation.data);
    for (const v of details[0]!.values()) total += energy(v.data);
    assert.deepEqual([...details[0]!.keys()], ['LH', 'HL', 'HH']);
    assert.ok(Math.abs(total / (4 * energy(x)) - 1) < 1e-12);
  });
});

describe('PyRadiomics _swt3 semantics', () => {
  it('wrap-pads odd sizes with index 0 of the axis and crops back', () => {
    const size: Vec3 = [3, 2, 5];
    const data = Float64Array.from({ length: 30 }, (_, n) => n);
    const padded = wrapPadToEven(data, size, 'float64');
    assert.deepEqual(padded.size, [4, 2, 6]); // numpy.pad(..., (0, 1), 'wrap') on odd axes only
    const at = (i: number, j: number, k: number) => padded.data[i + 4 * (j + 2 * k)];
    const src = (i: number, j: number, k: number) => data[i + 3 * (j + 2 * k)];
    assert.equal(at(3, 1, 2), src(0, 1, 2)); // np.pad([a, b, c], (0, 1), 'wrap') = [a, b, c, a]
    assert.equal(at(1, 0, 5), src(1, 0, 0));
    assert.equal(at(3, 1, 5), src(0, 1, 0));
    assert.deepEqual([...cropToSize(padded, size)], [...data]);
  });

  it('odd-size outputs equal the transform of the explicitly padded volume, cropped, with the input geometry', () => {
    const size: Vec3 = [7, 6, 5];
    const x = randomData(210, 11);
    const image = volume(size, x);
    const odd = stationaryWavelet(image);
    const padded = wrapPadToEven(x, size, 'float64');
    const even = stationaryWavelet(volume(padded.size, padded.data));
    for (const [key, v] of odd.details[0]!) {
      assert.deepEqual(v.size, size);
      assert.deepEqual(v.spacingMm, image.spacingMm);
      assert.deepEqual(v.originMm, image.originMm);
      assert.deepEqual(v.direction, image.direction);
      const expected = cropToSize({ size: padded.size, data: even.details[0]!.get(key)!.data }, size);
      assert.deepEqual([...v.data], [...expected], key);
    }
    assert.deepEqual(
      [...odd.approximation.data],
      [...cropToSize({ size: padded.size, data: even.approximation.data }, size)],
    );
  });

  it('the first key letter belongs to i (x), the second to j (y), the third to k (z)', () => {
    // PyRadiomics: axes = [2, 1, 0] on the (z, y, x) array, i.e. x first. A volume varying along
    // one axis only has zero high-pass output along the other two (Σ dec_hi = 0).
    const size: Vec3 = [8, 8, 8];
    for (const [axis, key] of [
      [0, 'HLL'],
      [1, 'LHL'],
      [2, 'LLH'],
    ] as const) {
      const x = new Float64Array(512);
      for (let n = 0; n < 512; n += 1) {
        const idx = [n % 8, Math.floor(n / 8) % 8, Math.floor(n / 64)][axis]!;
        x[n] = [5, -3, 8, 1, 0, 7, -2, 4][idx]!;
      }
      const { details } = stationaryWavelet(volume(size, x));
      for (const [k, v] of details[0]!) {
        const e = energy(v.data);
        if (k === key) assert.ok(e > 1, `${k} should carry the variation along axis ${axis}`);
        else assert.ok(e < 1e-20, `${k} should be ~0 for variation along axis ${axis}: ${e}`);
      }
    }
  });

  it('level 2 is a level-1 decomposition of the level-1 approximation (no upsampled filters)', () => {
    const size: Vec3 = [8, 6, 4];
    const x = randomData(192, 21);
    const two = stationaryWavelet(volume(size, x), { level: 2 });
    // even sizes: no padding, so the level-1 approximation image is exactly the level-2 input
    const again = stationaryWavelet(stationaryWavelet(volume(size, x)).approximation);
    for (const [key, v] of two.details[1]!)
      assert.deepEqual([...v.data], [...again.details[0]!.get(key)!.data]);
    assert.deepEqual([...two.approximation.data], [...again.approximation.data]);
    // start_level 1 skips the first level: its single kept level is level 2 above.
    const skipped = stationaryWavelet(volume(size, x), { startLevel: 1 });
    for (const [key, v] of skipped.details[0]!)
      assert.deepEqual([...v.data], [...two.details[1]!.get(key)!.data]);
  });

  it('names and yields in PyRadiomics order (getWaveletImage: swtn dict order, a→L, d→H, then the approximation)', () => {
    assert.deepEqual(swtnKeys(3), ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']);
    const level1 = [
      'wavelet-LLH',
      'wavelet-LHL',
      'wavelet-LHH',
      'wavelet-HLL',
      'wavelet-HLH',
      'wavelet-HHL',
      'wavelet-HHH',
    ];
    assert.deepEqual(waveletImageNames(), [...level1, 'wavelet-LLL']);
    assert.deepEqual(waveletImageNames(2), [
      ...level1,
      ...level1.map((n) => n.replace('wavelet-', 'wavelet2-')),
      'wavelet2-LLL',
    ]);
    assert.deepEqual(waveletImageNames(1, 2), ['wavelet-LH', 'wavelet-HL', 'wavelet-HH', 'wavelet-LL']);
    const images = waveletImages(volume([4, 4, 4], randomData(64)), { level: 2 });
    assert.deepEqual(
      images.map((im) => im.name),
      waveletImageNames(2),
    );
  });

  it("maps PyRadiomics' force2D dimension (numpy axis, 0 = z) to volume axes", () => {
    assert.deepEqual(pyradiomicsWaveletAxes(), [0, 1, 2]);
    assert.deepEqual(pyradiomicsWaveletAxes(true, 0), [0, 1]); // numpy [2, 1]: x, y
    assert.deepEqual(pyradiomicsWaveletAxes(true, 1), [0, 2]); // numpy [2, 0]: x, z
    assert.deepEqual(pyradiomicsWaveletAxes(true, 2), [1, 2]); // numpy [1, 0]: y, z
  });

  it('follows pywt._check_dtype: integer input in float64, float32 input in float32', () => {
    const size: Vec3 = [6, 4, 2];
    const ints = Int16Array.from(randomData(48, 4), (v) => Math.round(v));
    const fromInt = stationaryWavelet(volume(size, ints));
    const fromDouble = stationaryWavelet(volume(size, Float64Array.from(ints)));
    assert.deepEqual([...fromInt.approximation.data], [...fromDouble.approximation.data]);
    const fromFloat = stationaryWavelet(volume(size, Float32Array.from(ints)));
    fromFloat.approximation.data.forEach((v) => assert.equal(Math.fround(v), v));
    assertClose(fromFloat.approximation.data, fromDouble.approximation.data, 1e-6, 1e-3);
  });

  it('refuses bad options with a clear message', () => {
    const image = volume([2, 2, 2], new Float64Array(8));
    assert.throws(() => stationaryWavelet(image, { wavelet: 'bior1.3' }), UnknownWaveletError);
    assert.throws(() => stationaryWavelet(image, { axes: [0, 0] }), WaveletOptionsError);
    assert.throws(() => stationaryWavelet(image, { axes: [3] }), WaveletOptionsError);
    assert.throws(() => stationaryWavelet(image, { level: 0 }), WaveletOptionsError);
    assert.throws(() => stationaryWavelet(image, { startLevel: -1 }), WaveletOptionsError);
  });
});
