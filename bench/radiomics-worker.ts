/** Worker of bench/radiomics.ts: extracts one ROI per message with the given parameter file. */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Volume } from '../src/imaging/volume.ts';
import { extractFeatures } from '../src/radiomics/extractor.ts';
import { parseSettingsYaml } from '../src/radiomics/settings.ts';

const { paramsFile } = workerData as { paramsFile: string };
const settings = parseSettingsYaml(readFileSync(paramsFile, 'utf8'), paramsFile);
parentPort!.on('message', (job: { image: Volume; mask: Volume }) => {
  parentPort!.postMessage(Object.keys(extractFeatures(job.image, job.mask, settings)).length);
});
parentPort!.postMessage('ready');
