import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, cyrb128, Rng } from './random.ts';

test('xoshiro128** reproduces the reference C implementation from state {1, 2, 3, 4}', () => {
  // First outputs of https://prng.di.unimi.it/xoshiro128starstar.c with s = {1, 2, 3, 4}.
  const rng = Rng.fromState([1, 2, 3, 4]);
  const got = Array.from({ length: 10 }, () => rng.uint32());
  assert.deepEqual(
    got,
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804],
  );
});

test('the same seed gives the same stream; different seeds and labels give different streams', () => {
  const a = createRng('cohort-1');
  const b = createRng('cohort-1');
  const c = createRng('cohort-2');
  const xa = Array.from({ length: 100 }, () => a.uint32());
  const xb = Array.from({ length: 100 }, () => b.uint32());
  const xc = Array.from({ length: 100 }, () => c.uint32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.notDeepEqual(
    Array.from({ length: 10 }, () => createRng(7).fork('a').uint32()),
    Array.from({ length: 10 }, () => createRng(7).fork('b').uint32()),
  );
  // Numbers and strings are different seeds.
  assert.notEqual(createRng(7).uint32(), createRng('7').uint32());
});

test('fork does not depend on how much of the parent stream was used', () => {
  const fresh = createRng('root').fork('patient/3');
  const used = createRng('root');
  for (let i = 0; i < 1000; i += 1) used.normal();
  const late = used.fork('patient/3');
  assert.deepEqual(
    Array.from({ length: 20 }, () => fresh.uniform()),
    Array.from({ length: 20 }, () => late.uniform()),
  );
  // Forking leaves the parent where it was.
  const p = createRng('root');
  const q = createRng('root');
  p.fork('x');
  assert.equal(p.uint32(), q.uint32());
});

test('cyrb128 spreads similar keys over unrelated states', () => {
  const a = cyrb128('root/patient/1');
  const b = cyrb128('root/patient/2');
  let differing = 0;
  for (let lane = 0; lane < 4; lane += 1) {
    let x = (a[lane]! ^ b[lane]!) >>> 0;
    while (x) {
      differing += x & 1;
      x >>>= 1;
    }
  }
  // About half of the 128 bits flip for a one-character change.
  assert.ok(differing > 40 && differing < 88, `${differing} bits differ`);
});

test('uniform, normal, bernoulli and choice have the right moments', () => {
  const rng = createRng('moments');
  const n = 200_000;
  let su = 0;
  let su2 = 0;
  let sn = 0;
  let sn2 = 0;
  let sn4 = 0;
  let hits = 0;
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i += 1) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    su2 += u * u;
    const z = rng.normal(2, 3);
    sn += z;
    sn2 += z * z;
    sn4 += ((z - 2) / 3) ** 4;
    if (rng.bernoulli(0.3)) hits += 1;
    counts[rng.choice([1, 2, 7])]! += 1;
  }
  const meanU = su / n;
  assert.ok(Math.abs(meanU - 0.5) < 0.005);
  assert.ok(Math.abs(su2 / n - meanU * meanU - 1 / 12) < 0.002);
  const meanN = sn / n;
  assert.ok(Math.abs(meanN - 2) < 0.03, `normal mean ${meanN}`);
  assert.ok(Math.abs(Math.sqrt(sn2 / n - meanN * meanN) - 3) < 0.03);
  // Kurtosis 3 separates a normal from e.g. a sum of few uniforms.
  assert.ok(Math.abs(sn4 / n - 3) < 0.1, `kurtosis ${sn4 / n}`);
  assert.ok(Math.abs(hits / n - 0.3) < 0.005);
  assert.ok(Math.abs(counts[0]! / n - 0.1) < 0.004);
  assert.ok(Math.abs(counts[2]! / n - 0.7) < 0.005);
});

test('integer, truncatedNormal and choiceOf respect their bounds; bad arguments throw', () => {
  const rng = createRng('bounds');
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i += 1) {
    const k = rng.integer(3, 6);
    assert.ok(Number.isInteger(k) && k >= 3 && k <= 6);
    seen.add(k);
    const t = rng.truncatedNormal(0, 1, -0.5, 2);
    assert.ok(t >= -0.5 && t <= 2);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  assert.equal(rng.choiceOf({ a: 0, b: 1 }), 'b');
  assert.throws(() => rng.choice([0, 0]), RangeError);
  assert.throws(() => rng.choice([1, -1]), RangeError);
  assert.throws(() => rng.bernoulli(1.5), RangeError);
  assert.throws(() => rng.integer(2, 1), RangeError);
});
