/**
 * What a DICOM Segmentation says it was drawn on: the Common Instance Reference module
 * (Referenced Series Sequence > Referenced Instance Sequence, PS3.3 C.12.2) and, per frame, the
 * Derivation Image Sequence > Source Image Sequence (PS3.3 C.7.6.16.2.6). The cohort loader and
 * the hook's locator both choose the image volume from these references.
 */
import { seq, str, type NaturalDataset } from './part10.ts';

/** The SOP Instance UIDs of `seriesUid` a SEG names as its source images (both modules). */
export function segReferencedInstances(seg: NaturalDataset, seriesUid: string): Set<string> {
  const out = new Set<string>();
  for (const s of seq(seg, 'ReferencedSeriesSequence')) {
    if (str(s, 'SeriesInstanceUID') !== seriesUid) continue;
    for (const i of seq(s, 'ReferencedInstanceSequence')) {
      const uid = str(i, 'ReferencedSOPInstanceUID');
      if (uid) out.add(uid);
    }
  }
  for (const pf of seq(seg, 'PerFrameFunctionalGroupsSequence'))
    for (const d of seq(pf, 'DerivationImageSequence'))
      for (const s of seq(d, 'SourceImageSequence')) {
        const uid = str(s, 'ReferencedSOPInstanceUID');
        if (uid) out.add(uid);
      }
  return out;
}

/** The series a SEG references, in the order it lists them, with their referenced instances. */
export function segReferencedSeries(
  seg: NaturalDataset,
): { seriesInstanceUid: string; instances: string[] }[] {
  return seq(seg, 'ReferencedSeriesSequence').flatMap((s) => {
    const uid = str(s, 'SeriesInstanceUID');
    if (!uid) return [];
    const instances = seq(s, 'ReferencedInstanceSequence').flatMap((i) => {
      const sop = str(i, 'ReferencedSOPInstanceUID');
      return sop ? [sop] : [];
    });
    return [{ seriesInstanceUid: uid, instances }];
  });
}
