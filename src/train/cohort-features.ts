/**
 * Features of a training or validation cohort from the one extractor, cached beside the
 * manifest and resumable: radiomics through `extractCohort` (its journal resumes finished jobs
 * and recomputes only jobs whose parameter file or inputs changed), deep features per patient
 * into a table keyed by the backbone's SHA-256 and the slice variant.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { deepColumns } from '../cohort/deep-columns.ts';
import { extractCohort, type ParameterFile } from '../cohort/extract-cohort.ts';
import { readCohortManifest, type CohortSequence } from '../cohort/manifest.ts';
import type { Backbone } from '../deep/backbone.ts';
import { readFeatureTable, type FeatureTable } from './feature-table.ts';

export interface FeatureProgress {
  stage: 'radiomics' | 'deep';
  done: number;
  total: number;
}

export interface RadiomicsRequest {
  sequences: CohortSequence[];
  params: Map<CohortSequence, ParameterFile>;
}

function cacheDirFor(manifestPath: string, cacheRoot: string | undefined): string {
  const abs = path.resolve(manifestPath);
  const id = createHash('sha256').update(abs).digest('hex').slice(0, 12);
  return cacheRoot ? path.join(cacheRoot, id) : path.join(path.dirname(abs), '.axilla-features');
}

/** Radiomics table of every manifest row (pre, post, delta columns), computed or resumed. */
export async function radiomicsFeatures(
  manifestPath: string,
  request: RadiomicsRequest,
  o: {
    cacheRoot?: string;
    workers?: number;
    onProgress?: (p: FeatureProgress) => void;
    signal?: AbortSignal;
  },
): Promise<FeatureTable> {
  const dir = cacheDirFor(manifestPath, o.cacheRoot);
  await mkdir(dir, { recursive: true });
  const outPath = path.join(dir, `radiomics-${[...request.sequences].sort().join('-')}.csv`);
  const summary = await extractCohort({
    manifestPath,
    outPath,
    paramsBySequence: request.params,
    sequences: request.sequences,
    ...(o.workers ? { workers: o.workers } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (p) => o.onProgress?.({ stage: 'radiomics', done: p.done, total: p.total }),
  });
  if (!summary.usable)
    throw new Error(`feature extraction for ${manifestPath} is unusable: ${summary.unusableReason}`);
  return readFeatureTable(outPath);
}

/** Deep feature table (DL_pre/post/delta_0001…) of every manifest row, computed once per backbone and variant. */
export async function deepFeatures(
  manifestPath: string,
  backbone: Backbone,
  variant: { averageAdjacentSlices: boolean },
  o: { cacheRoot?: string; onProgress?: (p: FeatureProgress) => void; signal?: AbortSignal },
): Promise<FeatureTable> {
  const dir = cacheDirFor(manifestPath, o.cacheRoot);
  await mkdir(dir, { recursive: true });
  const manifestText = readFileSync(manifestPath, 'utf8');
  const key = createHash('sha256')
    .update(JSON.stringify({ manifest: manifestText, backbone: backbone.sha256, variant }))
    .digest('hex')
    .slice(0, 16);
  const outPath = path.join(dir, `deep-${key}.csv`);
  if (existsSync(outPath)) return readFeatureTable(outPath);
  const rows = readCohortManifest(manifestText);
  const columnsOf = deepColumns(path.dirname(path.resolve(manifestPath)), backbone, variant);
  let header: string[] | undefined;
  const lines: string[][] = [];
  for (const [i, row] of rows.entries()) {
    if (o.signal?.aborted) throw new Error('interrupted');
    const cols = await columnsOf(row);
    header ??= Object.keys(cols);
    lines.push([row.patientId, ...header.map((n) => String(cols[n]))]);
    o.onProgress?.({ stage: 'deep', done: i + 1, total: rows.length });
  }
  const tmp = `${outPath}.${process.pid}.tmp`;
  await writeFile(tmp, stringify([['patient_id', ...(header ?? [])], ...lines]));
  await rename(tmp, outPath);
  return readFeatureTable(outPath);
}
