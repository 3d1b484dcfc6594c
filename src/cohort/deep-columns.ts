/**
 * Deep-feature columns of one cohort row for batch extraction: the DCE, DWI and T2 volumes the
 * tumour SEGs were drawn on (sequence-loader.ts picks the DCE phase and DWI b value from the
 * SEG's references), the DCE ROI, the backbone's features for pre and post, and post − pre —
 * `DL_pre_0001` … `DL_delta_2048` (DESIGN §4 names, before the bundle's PCA).
 */
import type { Backbone } from '../deep/backbone.ts';
import { deepFeatureNames, deltaFeatures, extractDeepFeatures } from '../deep/deep-features.ts';
import type { CohortRow, TimePoint } from './manifest.ts';
import { loadSequence, sequenceTarget } from './sequence-loader.ts';

export interface DeepColumnOptions {
  averageAdjacentSlices?: boolean;
  geometryTolerance?: number | null;
}

async function timePointFeatures(
  manifestDir: string,
  backbone: Backbone,
  row: CohortRow,
  tp: TimePoint,
  o: DeepColumnOptions,
): Promise<Float32Array> {
  const load = (seq: 'DCE' | 'DWI' | 'T2') =>
    loadSequence(manifestDir, sequenceTarget(row, tp, seq), {
      geometryTolerance: o.geometryTolerance ?? null,
    });
  const dce = await load('DCE');
  const dwi = await load('DWI');
  const t2 = await load('T2');
  const result = await extractDeepFeatures(
    backbone,
    { dce: dce.image, dwi: dwi.image, t2: t2.image, mask: dce.mask },
    { averageAdjacentSlices: o.averageAdjacentSlices ?? false },
  );
  return result.features;
}

/** The `deep` callback of extractCohort for a manifest in `manifestDir`. */
export function deepColumns(
  manifestDir: string,
  backbone: Backbone,
  o: DeepColumnOptions = {},
): (row: CohortRow) => Promise<Record<string, number>> {
  return async (row) => {
    const pre = await timePointFeatures(manifestDir, backbone, row, 'pre', o);
    const post = await timePointFeatures(manifestDir, backbone, row, 'post', o);
    const columns: Record<string, number> = {};
    const put = (tp: 'pre' | 'post' | 'delta', values: Float32Array) =>
      deepFeatureNames(tp).forEach((name, n) => {
        columns[name] = values[n]!;
      });
    put('pre', pre);
    put('post', post);
    put('delta', deltaFeatures(pre, post));
    return columns;
  };
}
