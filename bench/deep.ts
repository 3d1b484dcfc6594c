/**
 * Deep-feature cost per patient: slice selection + RGB composite + backbone for the pre- and
 * post-NAT studies of a synthetic patient, against onnxruntime running the bare model on the same
 * number of ready-made input tensors. The difference is our overhead (target: under 20 % of the
 * bare model time). Uses the generated demo ResNet-50 (demo weights, not ImageNet: the cost is the
 * same, the features are not meaningful). Prints figures; asserts nothing.
 *
 * Run: `npm run bench:deep` (`node --import tsx bench/deep.ts`), options `--size small|realistic`
 * (default realistic), `--patients N` (default 1), `--repeats R` (default 5; medians and minima
 * are shown), `--threads N` (onnxruntime intra-op threads; default: onnxruntime's own choice).
 */
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import {
  BACKBONE_IMAGE_SIZE,
  BACKBONE_IMAGE_VALUES,
  BACKBONE_SESSION_OPTIONS,
  ensureDemoBackbone,
  loadBackbone,
} from '../src/deep/backbone.ts';
import {
  extractDeepFeatures,
  prepareDeepFeatureBatch,
  type DeepFeatureOptions,
} from '../src/deep/deep-features.ts';
import { largestRoiSlice } from '../src/deep/slice-selection.ts';
import { RESNET50_INPUT, RESNET50_OUTPUT } from '../src/deep/resnet50-graph.ts';
import { defaultGeneratingModel, drawPatient } from '../src/synth/generating-model.ts';
import { generatePatientImages, patientImageStream } from '../src/synth/patient-images.ts';
import type { ProtocolSize } from '../src/synth/protocols.ts';
import { createRng } from '../src/synth/random.ts';
import { studyInputs } from '../src/deep/deep-fixtures.test-helper.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const size = arg('size', 'realistic') as ProtocolSize;
const patients = Number(arg('patients', '1'));
const repeats = Number(arg('repeats', '5'));
const threads = arg('threads', '');
/** Both sessions get the same options; `--threads N` sets onnxruntime's intra-op thread count. */
const sessionOptions: ort.InferenceSession.SessionOptions = threads
  ? { ...BACKBONE_SESSION_OPTIONS, intraOpNumThreads: Number(threads) }
  : BACKBONE_SESSION_OPTIONS;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;
async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

console.log(
  `deep-feature benchmark: ${patients} ${size} patient(s), ${repeats} repeats, node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, onnxruntime-node ${ort.env.versions.common}, intra-op threads ${threads || 'default'}`,
);
const [demo, generateMs] = await timed(() => ensureDemoBackbone(path.join('var', 'backbones')));
const backbone = await loadBackbone(demo.path, demo.sha256, sessionOptions);
const bare = await ort.InferenceSession.create(await readFile(demo.path), sessionOptions);
console.log(
  `backbone: ${backbone.label}, SHA-256 ${demo.sha256.slice(0, 16)}…, ensured in ${ms(generateMs)}`,
);

const model = defaultGeneratingModel();
const root = createRng('bench-deep');
const variants: [string, DeepFeatureOptions][] = [
  ['largest slice', {}],
  ['±1-slice average', { averageAdjacentSlices: true }],
];

for (let index = 0; index < patients; index += 1) {
  const patient = drawPatient(model, root, index);
  const [images, synthMs] = await timed(() =>
    generatePatientImages(model, patient, size, patientImageStream(root, index)),
  );
  const studies = [images.pre, images.post].filter((s) => s.truth.roiExpected).map(studyInputs);
  const g = studies[0]!.dce;
  console.log(
    `\npatient ${index}: images generated in ${(synthMs / 1000).toFixed(1)} s; DCE ${g.size.join('×')}, ${studies.length} studies with a tumour ROI`,
  );
  for (const [name, options] of variants) {
    // Warm-up (first runs allocate onnxruntime's arenas).
    for (const s of studies) await extractDeepFeatures(backbone, s, options);
    const selection: number[] = [];
    const preprocessing: number[] = [];
    const backboneRun: number[] = [];
    const total: number[] = [];
    const bareRun: number[] = [];
    let images = 0;
    for (let r = 0; r < repeats; r += 1) {
      let sel = 0;
      let pre = 0;
      let run = 0;
      let bareMs = 0;
      images = 0;
      for (const s of studies) {
        sel += (await timed(() => largestRoiSlice(s.mask)))[1];
        const [batch, prepMs] = await timed(() => prepareDeepFeatureBatch(s, options));
        pre += prepMs;
        run += (await timed(() => backbone.run(batch.batch, batch.fields.length)))[1];
        images += batch.fields.length;
        // The bare model on a ready-made tensor of the same number of images.
        const n = batch.fields.length;
        const tensor = new ort.Tensor('float32', new Float32Array(n * BACKBONE_IMAGE_VALUES).fill(0.5), [
          n,
          3,
          BACKBONE_IMAGE_SIZE,
          BACKBONE_IMAGE_SIZE,
        ]);
        bareMs += (await timed(() => bare.run({ [RESNET50_INPUT]: tensor }, [RESNET50_OUTPUT])))[1];
      }
      // End to end, as the pipeline calls it.
      let all = 0;
      for (const s of studies) all += (await timed(() => extractDeepFeatures(backbone, s, options)))[1];
      selection.push(sel);
      preprocessing.push(pre);
      backboneRun.push(run);
      total.push(all);
      bareRun.push(bareMs);
    }
    // Medians, and in brackets the best of the repeats: on a shared machine the minimum is the
    // figure least disturbed by other processes.
    const both = (xs: number[]): string => `${ms(median(xs))} (${ms(Math.min(...xs))})`;
    const overhead = (stat: (xs: number[]) => number): string =>
      `${((100 * (stat(total) - stat(bareRun))) / stat(bareRun)).toFixed(1)} %`;
    console.log(`  ${name}, ${images} images per patient (pre + post):`);
    console.log(
      `    slice selection + composite ${both(preprocessing)}, of which slice selection ${both(selection)}`,
    );
    console.log(`    Backbone.run ${both(backboneRun)}`);
    console.log(`    total per patient (extractDeepFeatures, pre + post) ${both(total)}`);
    console.log(`    onnxruntime, bare model on ready-made tensors ${both(bareRun)}`);
    console.log(
      `    overhead over the bare model: ${overhead(median)} of medians, ${overhead((xs) => Math.min(...xs))} of minima`,
    );
  }
}

await backbone.close();
await bare.release();
