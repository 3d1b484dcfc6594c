/**
 * Speed of the radiomics extractor with the MRI study's settings (params/mri-study.yaml, 1,223
 * features) on a realistic synthetic tumour (about 30 cm³): time per ROI, per image type and per
 * feature class, peak memory, and a floor — the time to read the cropped voxels once per image
 * type — with the ratio to it; then a whole patient (six ROIs: DCE, T2 and DWI, pre and post)
 * run on two worker threads, and the `axilla extract` process on breast1 (the figure PyRadiomics
 * is compared with). Prints figures; asserts nothing.
 *
 * Run: `npm run bench:radiomics` (options: --runs N, --patient-index N).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Volume } from '../src/imaging/volume.ts';
import { extractFeatures, type ExtractionTimings } from '../src/radiomics/extractor.ts';
import { loadForExtraction } from '../src/radiomics/load-image.ts';
import { prepareRoi } from '../src/radiomics/roi.ts';
import { parseSettingsYaml } from '../src/radiomics/settings.ts';
import { defaultGeneratingModel, drawPatient } from '../src/synth/generating-model.ts';
import { generatePatientImages, patientImageStream, type StudyImages } from '../src/synth/patient-images.ts';
import { drawPatientPhantom } from '../src/synth/phantom/patient-phantom.ts';
import { createRng } from '../src/synth/random.ts';
import { startModuleWorker } from '../src/util/module-worker.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '5'));
const paramsFile = path.join(here, '../params/mri-study.yaml');
const settings = parseSettingsYaml(readFileSync(paramsFile, 'utf8'), paramsFile);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

// A patient whose pre-treatment tumour is closest to 30 cm³ (sphere of diameter 38.5 mm).
const model = defaultGeneratingModel();
const root = createRng('bench-radiomics');
const target = Math.cbrt((6 * 30000) / Math.PI);
let best = { index: 0, diameter: Infinity };
const explicit = process.argv.includes('--patient-index');
for (let index = 0; index < (explicit ? 0 : 60); index += 1) {
  const patient = drawPatient(model, root, index);
  const phantom = drawPatientPhantom(model, patient, patientImageStream(root, index).fork('phantom'));
  if (Math.abs(phantom.preDiameterMm - target) < Math.abs(best.diameter - target))
    best = { index, diameter: phantom.preDiameterMm };
}
const index = explicit ? Number(arg('patient-index', '0')) : best.index;
console.log(
  `radiomics benchmark: node ${process.version}, ${process.platform}/${process.arch}, params/mri-study.yaml`,
);
let t = performance.now();
const patient = drawPatient(model, root, index);
const images = generatePatientImages(model, patient, 'realistic', patientImageStream(root, index));
console.log(`synthetic patient ${index} (realistic protocol) rendered in ${ms(performance.now() - t)}`);

function rois(study: StudyImages): { name: string; image: Volume; mask: Volume }[] {
  return [
    { name: 'DCE', image: study.dce.phases[2]!.volume, mask: study.dce.mask },
    { name: 'T2', image: study.t2.volume, mask: study.t2.mask },
    { name: 'DWI', image: study.dwi.b[study.dwi.b.length - 1]!.volume, mask: study.dwi.mask },
  ];
}
const dce = rois(images.pre)[0]!;
let roiVoxels = 0;
for (const v of dce.mask.data) roiVoxels += v;
const voxelMm3 = dce.mask.spacingMm[0] * dce.mask.spacingMm[1] * dce.mask.spacingMm[2];
console.log(
  `ROI: pre-treatment DCE, ${((roiVoxels * voxelMm3) / 1000).toFixed(1)} cm³, image ${dce.image.size.join('×')} voxels of ${dce.image.spacingMm.map((s) => s.toFixed(2)).join('×')} mm`,
);

// One ROI, `runs` times after a warm-up run.
extractFeatures(dce.image, dce.mask, settings);
const totals: number[] = [];
const timings: ExtractionTimings = new Map();
let featureCount = 0;
for (let r = 0; r < runs; r += 1) {
  t = performance.now();
  featureCount = Object.keys(extractFeatures(dce.image, dce.mask, settings, { timings })).length;
  totals.push(performance.now() - t);
}
const perRun = (key: string) => (timings.get(key) ?? 0) / runs;
console.log(
  `\none ROI, ${featureCount} features: median ${ms(median(totals))} (min ${ms(Math.min(...totals))}, ${runs} runs)`,
);
console.log(
  `  load (checks, normalisation, B-spline resampling) ${ms(perRun('load'))}, ROI preparation ${ms(perRun('roi'))}`,
);
const types = [...timings.keys()].filter((k) => k.startsWith('image:')).map((k) => k.slice(6));
console.log('  per image type (filter + crop):');
for (const type of types)
  console.log(`    ${type.padEnd(22)} ${ms(perRun(`image:${type}`) + perRun(`crop:${type}`))}`);
console.log('  per feature class (all image types, discretisation included):');
for (const key of [...timings.keys()].filter((k) => k.startsWith('family:')))
  console.log(`    ${key.slice(7).padEnd(22)} ${ms(perRun(key))}`);
console.log(`  peak resident memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

// Floor: reading the cropped voxels of the loaded image once per derived image.
const loaded = loadForExtraction(dce.image, dce.mask, settings);
const prepared = prepareRoi(loaded.image, loaded.mask, settings);
const floorRuns: number[] = [];
for (let r = 0; r < 20; r += 1) {
  t = performance.now();
  let sink = 0;
  const bb = prepared.boundingBox;
  const [ni, nj] = loaded.image.size;
  for (let rep = 0; rep < types.length; rep += 1)
    for (let k = bb[4]; k <= bb[5]; k += 1)
      for (let j = bb[2]; j <= bb[3]; j += 1)
        for (let i = bb[0]; i <= bb[1]; i += 1) sink += loaded.image.data[i + ni * (j + nj * k)]!;
  floorRuns.push(performance.now() - t);
  if (sink === -1) console.log(sink);
}
const floor = median(floorRuns);
console.log(
  `  floor (read ${prepared.roi.size.join('×')} cropped voxels × ${types.length} image types): ${floor.toFixed(2)} ms; extraction / floor = ${(median(totals) / floor).toFixed(0)}×`,
);

// A whole patient: six ROIs over two worker threads.
const six = [...rois(images.pre), ...rois(images.post)].filter((r) => r.mask.data.some((v) => v === 1));
const workerUrl = new URL('./radiomics-worker.ts', import.meta.url);
const wallRuns: number[] = [];
for (let r = 0; r < Math.max(1, Math.min(runs, 3)); r += 1) {
  t = performance.now();
  const queue = [...six];
  await Promise.all(
    [0, 1].map(async () => {
      const worker = startModuleWorker(workerUrl, { paramsFile });
      await new Promise((resolve) => worker.once('message', resolve)); // ready
      for (let job = queue.shift(); job; job = queue.shift()) {
        worker.postMessage({ image: job.image, mask: job.mask });
        await new Promise((resolve) => worker.once('message', resolve));
      }
      await worker.terminate();
    }),
  );
  wallRuns.push(performance.now() - t);
}
console.log(
  `\nwhole patient, ${six.length} ROIs on 2 worker threads: median ${ms(median(wallRuns))} (worker start-up included)`,
);

// The CLI process on breast1 with the same settings (PyRadiomics: about 1.1 s on this machine).
const breast1 = path.resolve(here, '../../shared/reference/pyradiomics/breast1');
const cliRuns: number[] = [];
for (let r = 0; r < runs; r += 1) {
  t = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      path.join(here, '../bin/axilla.js'),
      'extract',
      '--image',
      path.join(breast1, 'breast1_image.nrrd'),
      '--mask',
      path.join(breast1, 'breast1_label.nrrd'),
      '--params',
      paramsFile,
      '--out',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
  cliRuns.push(performance.now() - t);
  if (result.status !== 0) {
    console.log(
      `axilla extract on breast1 failed (is ${breast1} present?): ${result.stderr.trim().split('\n')[0]}`,
    );
    break;
  }
}
if (cliRuns.length === runs)
  console.log(
    `axilla extract, breast1, whole process: median ${ms(median(cliRuns))}; PyRadiomics about 1,100 ms → ${(1100 / median(cliRuns)).toFixed(1)}× faster`,
  );
