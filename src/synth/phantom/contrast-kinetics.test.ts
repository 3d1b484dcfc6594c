import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  minutesAfterInjection,
  plasmaConcentration,
  toftsConcentration,
  ToftsSampler,
} from './contrast-kinetics.ts';
import { diffusionAttenuation, spgrAt, spgrSignal, spinEchoSignal } from './tissues.ts';

test('the Tofts closed form equals the numerical convolution Ktrans·(Cp ⊛ e^(−kep·t))', () => {
  for (const [ktrans, kep] of [
    [0.35, 1.3],
    [0.1, 0.144], // kep equal to m1: the limit branch
    [0.5, 3],
  ] as const) {
    for (const t of [0.5, 1.5, 4.5]) {
      const steps = 20_000;
      const h = t / steps;
      let integral = 0;
      for (let i = 0; i <= steps; i += 1) {
        const tau = i * h;
        const w = i === 0 || i === steps ? 0.5 : 1;
        integral += w * plasmaConcentration(tau === 0 ? 1e-12 : tau) * Math.exp(-kep * (t - tau));
      }
      const numeric = ktrans * integral * h;
      const closed = toftsConcentration(ktrans, kep, t);
      assert.ok(
        Math.abs(closed - numeric) / numeric < 1e-4,
        `${ktrans}, ${kep}, ${t}: ${closed} vs ${numeric}`,
      );
    }
  }
  assert.equal(toftsConcentration(0.3, 1, 0), 0);
  assert.equal(plasmaConcentration(-1), 0);
});

test('fast kep washes out, slow kep keeps rising; the sampler matches the closed form', () => {
  const times = [0, 70, 160, 250, 340].map((s) => minutesAfterInjection(s * 1000 + 20_000, 20_000));
  const fast = times.map((t) => toftsConcentration(0.4, 3, t));
  const slow = times.map((t) => toftsConcentration(0.1, 0.3, t));
  assert.ok(fast[4]! < fast[1]!, 'wash-out');
  for (let i = 1; i < slow.length; i += 1) assert.ok(slow[i]! > slow[i - 1]!, 'persistent');
  const sampler = new ToftsSampler(times);
  times.forEach((t, n) => {
    assert.ok(Math.abs(sampler.concentration(0.4, 3, n) - toftsConcentration(0.4, 3, t)) < 1e-15);
  });
});

test('signal equations: SPGR rises with R1, spin echo and Stejskal–Tanner fall with TE and b·ADC', () => {
  assert.ok(spgrSignal(1, 2, 4.5, 12) > spgrSignal(1, 0.7, 4.5, 12));
  assert.equal(spgrAt(4.5, 12)(0.8, 1.3), spgrSignal(0.8, 1.3, 4.5, 12));
  // Ernst equation at small R1·TR approaches PD·sin α·TR·R1 / (1 − cos α).
  const a = (12 * Math.PI) / 180;
  const approx = (Math.sin(a) * 0.0045 * 0.01) / (1 - Math.cos(a));
  assert.ok(Math.abs(spgrSignal(1, 0.01, 4.5, 12) - approx) / approx < 5e-3);
  assert.ok(spinEchoSignal(1, 1000, 50, 4000, 90) < spinEchoSignal(1, 1000, 50, 4000, 60));
  assert.ok(Math.abs(diffusionAttenuation(800, 1000) - Math.exp(-0.8)) < 1e-15);
});
