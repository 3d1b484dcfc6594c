import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameGeometry, voxelCount, type Mask, type Volume } from '../imaging/volume.ts';
import {
  defaultGeneratingModel,
  drawPatient,
  type GeneratingModel,
  type SyntheticPatient,
} from './generating-model.ts';
import {
  generatePatientImages,
  patientImageStream,
  type PatientImages,
  type StudyImages,
} from './patient-images.ts';
import { drawPatientPhantom } from './phantom/patient-phantom.ts';
import { createRng } from './random.ts';

const SEED = 'patient-images-test';
const model = defaultGeneratingModel();
const emptyRoiModel = defaultGeneratingModel({ emptyPostRoiForCompleteResponders: true });

interface Case {
  patient: SyntheticPatient;
  images: PatientImages;
}

function generate(
  m: GeneratingModel,
  index: number,
  seed = SEED,
  size: 'small' | 'realistic' = 'small',
): Case {
  const root = createRng(seed);
  const patient = drawPatient(m, root, index);
  return { patient, images: generatePatientImages(m, patient, size, patientImageStream(root, index)) };
}

const CASES = 12;
let casesCache: Case[] | undefined;
/** Small-protocol images of the first patients of the test cohort, generated once. */
function cases(): Case[] {
  casesCache ??= Array.from({ length: CASES }, (_, i) => generate(model, i));
  return casesCache;
}

/** First index whose tumour responds completely on imaging (only the phantom is drawn). */
function firstCompleteResponder(): number {
  const root = createRng(SEED);
  for (let i = 0; i < 500; i += 1) {
    const p = drawPatient(model, root, i);
    if (drawPatientPhantom(model, p, patientImageStream(root, i).fork('phantom')).response.completeResponse)
      return i;
  }
  throw new Error('no complete responder in 500 patients');
}

function volumesOf(s: StudyImages): { name: string; volume: Volume<Uint16Array>; mask: Mask }[] {
  return [
    ...s.dce.phases.map((p) => ({
      name: `DCE phase ${p.temporalPositionIdentifier}`,
      volume: p.volume,
      mask: s.dce.mask,
    })),
    { name: 'T2', volume: s.t2.volume, mask: s.t2.mask },
    ...s.dwi.b.map((b) => ({ name: `DWI b${b.bValue}`, volume: b.volume, mask: s.dwi.mask })),
    { name: 'ADC', volume: s.adc.volume, mask: s.adc.mask },
  ];
}

function maskCount(mask: Mask): number {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

function meanIn(volume: Volume<Uint16Array>, mask: Mask): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < mask.data.length; i += 1) {
    if (mask.data[i]) {
      s += volume.data[i]!;
      n += 1;
    }
  }
  return s / n;
}

function bytesOf(images: PatientImages): Buffer[] {
  return (['pre', 'post'] as const).flatMap((t) =>
    volumesOf(images[t]).flatMap((v) => [
      Buffer.from(v.volume.data.buffer, v.volume.data.byteOffset, v.volume.data.byteLength),
      Buffer.from(v.mask.data),
    ]),
  );
}

test('same seed → identical bytes; another seed → different images; patient k ignores the others', () => {
  const a = generate(model, 2);
  const b = generate(model, 2);
  const ba = bytesOf(a.images);
  const bb = bytesOf(b.images);
  assert.equal(ba.length, bb.length);
  ba.forEach((buf, i) => assert.ok(buf.equals(bb[i]!), `volume ${i} differs`));
  assert.deepEqual(a.images.pre.truth, b.images.pre.truth);

  const other = generate(model, 2, 'another-seed');
  assert.ok(!bytesOf(other.images)[0]!.equals(ba[0]!));

  // Patient 2 drawn after patients 0 and 1 from the same root object is the same patient with
  // the same images.
  const root = createRng(SEED);
  for (const i of [0, 1]) drawPatient(model, root, i);
  const late = drawPatient(model, root, 2);
  const lateImages = generatePatientImages(model, late, 'small', patientImageStream(root, 2));
  bytesOf(lateImages).forEach((buf, i) =>
    assert.ok(buf.equals(ba[i]!), `volume ${i} depends on other patients`),
  );
});

test('every series has its own grid, and every mask shares its image’s geometry and is a non-empty 0/1 ROI', () => {
  for (const { images } of cases()) {
    for (const t of ['pre', 'post'] as const) {
      const s = images[t];
      assert.ok(sameGeometry(s.dce.mask, s.protocol.dce.geometry));
      assert.ok(sameGeometry(s.t2.mask, s.protocol.t2.geometry));
      assert.ok(sameGeometry(s.dwi.mask, s.protocol.dwi.geometry));
      assert.ok(sameGeometry(s.adc.mask, s.dwi.mask), 'ADC on the DWI grid');
      assert.deepEqual(s.dce.mask.spacingMm, [0.7, 0.7, 1.2]);
      assert.deepEqual(s.t2.mask.spacingMm, [0.6, 0.6, 3]);
      assert.deepEqual(s.dwi.mask.spacingMm, [1.8, 1.8, 4]);
      assert.ok(!sameGeometry(s.dce.mask, s.t2.mask) && !sameGeometry(s.t2.mask, s.dwi.mask));
      for (const { name, volume, mask } of volumesOf(s)) {
        assert.ok(sameGeometry(volume, mask), `${t} ${name}`);
        assert.ok(volume.data instanceof Uint16Array && mask.data instanceof Uint8Array);
        assert.equal(volume.data.length, voxelCount(volume));
        assert.ok(mask.data.every((v) => v === 0 || v === 1));
        assert.ok(maskCount(mask) > 0, `${t} ${name}: empty ROI`);
        let max = 0;
        for (const v of volume.data) if (v > max) max = v;
        assert.ok(max > 0 && max <= 4095, `${t} ${name}: max ${max}`);
      }
      assert.deepEqual(
        s.dce.phases.map((p) => p.triggerTimeMs),
        [0, 90_000, 180_000, 270_000, 360_000],
      );
      assert.deepEqual(
        s.dwi.b.map((b) => b.bValue),
        [0, 800],
      );
    }
  }
});

test('complete responders keep a small enhancing focus by default and an empty post-NAT ROI only with the option', () => {
  const index = firstCompleteResponder();
  const kept = generate(model, index);
  assert.equal(kept.images.response.completeResponse, true);
  assert.equal(kept.images.post.truth.lesionKind, 'tumour');
  assert.ok(kept.images.post.truth.tumourVolumeMl < 0.3, 'only a residual focus is left');
  for (const { name, mask } of volumesOf(kept.images.post)) assert.ok(maskCount(mask) > 0, name);

  const emptied = generate(emptyRoiModel, index);
  assert.deepEqual(emptied.patient, kept.patient, 'the option changes imaging only');
  assert.equal(emptied.images.post.truth.roiExpected, false);
  assert.equal(emptied.images.post.truth.lesionKind, 'scar');
  for (const { name, mask } of volumesOf(emptied.images.post)) assert.equal(maskCount(mask), 0, name);
  for (const { name, mask } of volumesOf(emptied.images.pre)) assert.ok(maskCount(mask) > 0, name);
  // Partial responders are untouched by the option.
  const partial = cases().find((c) => !c.images.response.completeResponse)!;
  const same = generate(emptyRoiModel, partial.patient.index);
  bytesOf(same.images).forEach((buf, i) => assert.ok(buf.equals(bytesOf(partial.images)[i]!)));
});

test('the tumour enhances: every post-contrast phase is brighter than the pre-contrast phase inside the ROI', () => {
  for (const { images } of cases()) {
    for (const t of ['pre', 'post'] as const) {
      const dce = images[t].dce;
      const pre = meanIn(dce.phases[0]!.volume, dce.mask);
      for (const phase of dce.phases.slice(1)) {
        assert.ok(
          meanIn(phase.volume, dce.mask) > 1.2 * pre,
          `${t} phase ${phase.temporalPositionIdentifier}`,
        );
      }
      assert.ok(images[t].truth.meanEnhancement > 0.2);
    }
  }
});

test('diffusion: b800 darker than b0 in the tumour, and tumour ADC below fibroglandular ADC', () => {
  for (const { images } of cases().slice(0, 6)) {
    const s = images.pre;
    const b0 = meanIn(s.dwi.b[0]!.volume, s.dwi.mask);
    const b800 = meanIn(s.dwi.b[1]!.volume, s.dwi.mask);
    assert.ok(b800 < b0, `b800 ${b800} vs b0 ${b0}`);
    // Fibroglandular voxels: almost pure tissue in the phantom, away from the tumour.
    const study = images.phantom.pre;
    const g = s.adc.volume;
    const fgt = new Uint8Array(g.data.length);
    const [nx, ny, nz] = g.size;
    let n = 0;
    for (let k = 0; k < nz; k += 1) {
      for (let j = 0; j < ny; j += 1) {
        for (let i = 0; i < nx; i += 1) {
          const idx = i + nx * (j + ny * k);
          const x = g.originMm[0] + i * g.spacingMm[0] - study.offsetMm[0];
          const y = g.originMm[1] + j * g.spacingMm[1] - study.offsetMm[1];
          const z = g.originMm[2] + k * g.spacingMm[2] - study.offsetMm[2];
          if (study.lesion.normalisedRadius(x, y, z) < 1.5) continue;
          if (study.anatomy.fibroglandularFraction(x, y, z) > 0.95) {
            fgt[idx] = 1;
            n += 1;
          }
        }
      }
    }
    if (n < 20) continue; // a fatty breast around a small tumour
    const fgtAdc = meanIn(g, { ...g, data: fgt });
    const tumourAdc = meanIn(g, s.adc.mask);
    assert.ok(tumourAdc < fgtAdc - 300, `tumour ADC ${tumourAdc} vs fibroglandular ${fgtAdc}`);
    assert.ok(
      Math.abs(tumourAdc - s.truth.meanAdc) < 250,
      `measured ${tumourAdc} vs truth ${s.truth.meanAdc}`,
    );
  }
});

test('ROI volumes match the analytic tumour volume', () => {
  for (const { images } of cases()) {
    for (const t of ['pre', 'post'] as const) {
      const truth = images[t].truth;
      const v = truth.tumourVolumeMl;
      const dce = truth.roiVolumeMl.DCE;
      if (v >= 1) {
        assert.ok(Math.abs(dce - v) / v < 0.03, `${t} DCE ROI ${dce} mL vs ${v} mL`);
        for (const s of ['T2', 'DWI'] as const) {
          assert.ok(
            Math.abs(truth.roiVolumeMl[s] - v) / v < 0.12,
            `${t} ${s} ROI ${truth.roiVolumeMl[s]} vs ${v}`,
          );
        }
      } else {
        assert.ok(Math.abs(dce - v) / v < 0.3, `${t} small lesion: DCE ROI ${dce} mL vs ${v} mL`);
      }
    }
  }
});

test('after NAT, responders’ tumours shrink more, lose more enhancement and gain more ADC', () => {
  const all = cases();
  const measured = all.map(({ patient, images }) => ({
    apcr: patient.apcr,
    volumeRatio: images.post.truth.roiVolumeMl.DCE / images.pre.truth.roiVolumeMl.DCE,
    adcChange:
      meanIn(images.post.adc.volume, images.post.adc.mask) -
      meanIn(images.pre.adc.volume, images.pre.adc.mask),
    enhancementChange: images.post.truth.meanEnhancement - images.pre.truth.meanEnhancement,
  }));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const group = (apcr: boolean) => measured.filter((m) => m.apcr === apcr);
  const responders = group(true);
  const others = group(false);
  assert.ok(responders.length >= 3 && others.length >= 3, `${responders.length} responders of ${all.length}`);
  const summary = (g: typeof measured) => ({
    volumeRatio: mean(g.map((m) => Math.log(m.volumeRatio))),
    adcChange: mean(g.map((m) => m.adcChange)),
    enhancementChange: mean(g.map((m) => m.enhancementChange)),
  });
  const r = summary(responders);
  const o = summary(others);
  console.log(`responders ${JSON.stringify(r)}; non-responders ${JSON.stringify(o)}`);
  assert.ok(r.volumeRatio < o.volumeRatio - 0.5);
  assert.ok(r.adcChange > o.adcChange + 50);
  assert.ok(r.adcChange > 0);
  assert.ok(r.enhancementChange < o.enhancementChange);

  // The same on the noise-free truth over many more patients (phantom only, no images).
  const root = createRng(SEED);
  const byGroup = { true: [] as number[], false: [] as number[] };
  const adcByGroup = { true: [] as number[], false: [] as number[] };
  for (let i = 0; i < 200; i += 1) {
    const p = drawPatient(model, root, i);
    const ph = drawPatientPhantom(model, p, patientImageStream(root, i).fork('phantom'));
    byGroup[`${p.apcr}`].push(Math.log(ph.response.volumeRatio));
    adcByGroup[`${p.apcr}`].push(ph.post.lesion.params.adc - ph.pre.lesion.params.adc);
  }
  assert.ok(mean(byGroup.true) < mean(byGroup.false) - 1);
  assert.ok(mean(adcByGroup.true) > mean(adcByGroup.false) + 50);
});

test('generation time (printed, not asserted) and the realistic grids', () => {
  const root = createRng('timing');
  const patient = drawPatient(model, root, 0);
  const time = (size: 'small' | 'realistic'): { ms: number; images: PatientImages } => {
    const t0 = performance.now();
    const images = generatePatientImages(model, patient, size, patientImageStream(root, 0));
    return { ms: performance.now() - t0, images };
  };
  const smallCold = time('small');
  const small = time('small');
  const realistic = time('realistic');
  console.log(
    `generation time, both studies, all series (cT ${patient.clinical.cT}, ` +
      `${small.images.pre.truth.tumourVolumeMl.toFixed(1)} mL tumour): small ${small.ms.toFixed(0)} ms ` +
      `(first call ${smallCold.ms.toFixed(0)} ms, DCE ${small.images.pre.dce.mask.size.join('×')}), ` +
      `realistic ${(realistic.ms / 1000).toFixed(1)} s`,
  );
  const r = realistic.images;
  assert.deepEqual(r.pre.dce.mask.size, [448, 448, 144]);
  assert.deepEqual(r.pre.t2.mask.size, [560, 560, 56]);
  assert.deepEqual(r.pre.dwi.mask.size, [190, 190, 42]);
  // The same phantom whatever the protocol size.
  assert.equal(r.pre.truth.tumourVolumeMl, small.images.pre.truth.tumourVolumeMl);
  for (const t of ['pre', 'post'] as const) {
    for (const { name, mask } of volumesOf(r[t])) assert.ok(maskCount(mask) > 0, `${t} ${name}`);
    const v = r[t].truth.tumourVolumeMl;
    assert.ok(Math.abs(r[t].truth.roiVolumeMl.DCE - v) / v < 0.05);
  }
});
