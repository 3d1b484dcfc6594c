/**
 * Locate, second half: within one study, the series of each sequence the model needs and the SEG
 * drawn on it. The SEGs are read first (they are small): each names the series and the exact
 * instances its ROI was drawn on (seg-references.ts), so the instance-level choice — one DCE
 * phase, one b value — comes from the radiologist's segmentation, and only those instances are
 * retrieved later. A series is recognised by the bundle's rules (series-rules.ts): DICOM
 * attributes of the instances the SEG references first, the Series Description as a fallback.
 */
import type {
  DicomSource,
  SeriesSummary,
  SeriesUid,
  SopInstanceUid,
  StudyUid,
} from '../../dicom/dicom-types.ts';
import { DicomError } from '../../dicom/dicom-types.ts';
import { DicomWebError } from '../../dicom/dicomweb-http.ts';
import { num, parsePart10, str, type NaturalDataset } from '../../dicom/part10.ts';
import { segReferencedSeries } from '../../dicom/seg-references.ts';
import { SEGMENTATION_STORAGE } from '../../dicom/seg-writer.ts';
import { ImagingGateError, TIME_POINT_WORDS, type ImagingProblem } from './imaging-problem.ts';
import type { ImagingTimePoint } from './imaging-needs.ts';
import {
  describeRule,
  hasAttributeCriteria,
  toRegExp,
  type SeriesSelectionRules,
  type SequenceRule,
} from './series-rules.ts';

/** What the first referenced instance of an image series says about it. */
export interface SeriesAttributes {
  modality: string;
  bodyPartExamined?: string;
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
  echoTimeMs?: number;
  seriesDescription?: string;
}

export interface LocatedSeries {
  sequence: string;
  timePoint: ImagingTimePoint;
  studyInstanceUid: StudyUid;
  seriesInstanceUid: SeriesUid;
  seriesDescription?: string;
  attributes: SeriesAttributes;
  matchedBy: 'attributes' | 'description';
  /** The instances the SEG was drawn on: the volume to retrieve. */
  instanceUids: SopInstanceUid[];
  seg: {
    studyInstanceUid: StudyUid;
    seriesInstanceUid: SeriesUid;
    sopInstanceUid: SopInstanceUid;
    bytes: Uint8Array;
  };
}

interface SegFile {
  seriesInstanceUid: SeriesUid;
  sopInstanceUid: SopInstanceUid;
  description?: string;
  bytes: Uint8Array;
  references: { seriesInstanceUid: string; instances: string[] }[];
}

interface ImageSeries {
  summary: SeriesSummary;
  attributes: SeriesAttributes;
  segs: SegFile[];
  instanceUids: SopInstanceUid[];
}

/** Turns a source failure into the problem a card can state; anything else is rethrown. */
export function sourceProblem(err: unknown, what: string, timePoint?: ImagingTimePoint): ImagingProblem {
  const at = timePoint ? { timePoint } : {};
  if (err instanceof DicomWebError) {
    if (err.kind === 'http-status' && err.status === 404)
      return {
        code: 'seg-mismatch',
        message: `${what}: the PACS does not have an instance the SEG references (${err.message})`,
        ...at,
      };
    if (err.kind === 'not-dicom' || err.kind === 'malformed')
      return {
        code: 'corrupt-dicom',
        message: `${what}: the PACS answered with unreadable data (${err.message})`,
        ...at,
      };
    return {
      code: 'pacs-unavailable',
      message: `${what}: the PACS did not answer (${err.kind}: ${err.message})`,
      ...at,
    };
  }
  if (err instanceof DicomError) return { code: 'corrupt-dicom', message: `${what}: ${err.message}`, ...at };
  if (err instanceof Error && /ECONNREFUSED|ECONNRESET|fetch failed|socket/i.test(err.message))
    return { code: 'pacs-unavailable', message: `${what}: the PACS did not answer (${err.message})`, ...at };
  throw err;
}

function attributesOf(ds: NaturalDataset, summary: SeriesSummary): SeriesAttributes {
  const a: SeriesAttributes = { modality: str(ds, 'Modality') ?? summary.modality };
  const body = str(ds, 'BodyPartExamined');
  const tpi = num(ds, 'TemporalPositionIdentifier');
  const b = num(ds, 'DiffusionBValue');
  const te = num(ds, 'EchoTime');
  const description = str(ds, 'SeriesDescription') ?? summary.seriesDescription;
  if (body) a.bodyPartExamined = body;
  if (tpi !== undefined) a.temporalPositionIdentifier = tpi;
  if (b !== undefined) a.diffusionBValue = b;
  if (te !== undefined) a.echoTimeMs = te;
  if (description) a.seriesDescription = description;
  return a;
}

type AttributeVerdict = { kind: 'match' } | { kind: 'undecided' } | { kind: 'contradicts'; reason: string };

/** The rule's DICOM attributes against the series': all stated and equal, any differing, or not enough to tell. */
function judgeAttributes(rule: SequenceRule, a: SeriesAttributes): AttributeVerdict {
  if (!hasAttributeCriteria(rule)) return { kind: 'undecided' };
  const reasons: string[] = [];
  let unknown = false;
  const check = (
    want: number | undefined,
    have: number | undefined,
    ok: (h: number) => boolean,
    say: (h: number) => string,
  ) => {
    if (want === undefined) return;
    if (have === undefined) unknown = true;
    else if (!ok(have)) reasons.push(say(have));
  };
  check(
    rule.temporalPositionIdentifier,
    a.temporalPositionIdentifier,
    (h) => h === rule.temporalPositionIdentifier,
    (h) => `was drawn on temporal position ${h}, the model needs ${rule.temporalPositionIdentifier}`,
  );
  check(
    rule.diffusionBValue,
    a.diffusionBValue,
    (h) => h === rule.diffusionBValue,
    (h) => `was drawn on b = ${h} s/mm², the model needs b = ${rule.diffusionBValue}`,
  );
  check(
    rule.echoTimeMinMs,
    a.echoTimeMs,
    (h) => h >= rule.echoTimeMinMs!,
    (h) => `has echo time ${h} ms, the model needs ≥ ${rule.echoTimeMinMs} ms`,
  );
  if (reasons.length > 0) return { kind: 'contradicts', reason: reasons.join(', ') };
  return unknown ? { kind: 'undecided' } : { kind: 'match' };
}

function describes(rule: SequenceRule, a: SeriesAttributes): boolean {
  return (
    rule.seriesDescription !== undefined && toRegExp(rule.seriesDescription).test(a.seriesDescription ?? '')
  );
}

function optionalDescription(d: string | undefined): { seriesDescription?: string } {
  return d === undefined ? {} : { seriesDescription: d };
}

function named(s: { summary: SeriesSummary; attributes: SeriesAttributes }): string {
  return `series "${s.attributes.seriesDescription ?? s.summary.seriesDescription ?? '(no description)'}" (${s.summary.seriesInstanceUid})`;
}

/** Reads every SEG of the study; a SEG that cannot be read is a problem of the sequence it would serve, so it is kept aside. */
async function readSegs(
  source: DicomSource,
  study: StudyUid,
  series: SeriesSummary[],
  unreadable: string[],
): Promise<SegFile[]> {
  const out: SegFile[] = [];
  for (const s of series.filter((x) => x.modality === 'SEG')) {
    const instances = await source.findInstances(study, s.seriesInstanceUid);
    const uids = instances.map((i) => i.sopInstanceUid);
    if (uids.length === 0) continue;
    const files = await source.retrieveInstances(study, s.seriesInstanceUid, uids);
    files.forEach((bytes, n) => {
      let ds: NaturalDataset;
      try {
        ds = parsePart10(bytes, { nativeOnly: true, headerOnly: true }).dataset;
      } catch (err) {
        unreadable.push(`SEG ${uids[n]} cannot be read: ${(err as Error).message}`);
        return;
      }
      if (str(ds, 'SOPClassUID') !== SEGMENTATION_STORAGE) return;
      out.push({
        seriesInstanceUid: s.seriesInstanceUid,
        sopInstanceUid: uids[n]!,
        ...(s.seriesDescription ? { description: s.seriesDescription } : {}),
        bytes,
        references: segReferencedSeries(ds),
      });
    });
  }
  return out;
}

/**
 * The series and SEG of every sequence in `sequences` within one study, or every problem found.
 */
export async function locateSeries(
  source: DicomSource,
  study: StudyUid,
  timePoint: ImagingTimePoint,
  sequences: readonly string[],
  rules: SeriesSelectionRules,
): Promise<Map<string, LocatedSeries>> {
  const where = `${TIME_POINT_WORDS[timePoint]} study`;
  const problems: ImagingProblem[] = [];
  let series: SeriesSummary[];
  const unreadable: string[] = [];
  let segs: SegFile[];
  try {
    series = await source.findSeries(study);
    segs = await readSegs(source, study, series, unreadable);
  } catch (err) {
    throw new ImagingGateError([sourceProblem(err, `${where} ${study}`, timePoint)]);
  }
  const bySeries = new Map(series.map((s) => [s.seriesInstanceUid as string, s]));

  // Image series a SEG was drawn on, with the attributes of the first instance it names.
  const images = new Map<string, ImageSeries>();
  const orphans: SegFile[] = [];
  for (const seg of segs) {
    for (const ref of seg.references) {
      const summary = bySeries.get(ref.seriesInstanceUid);
      if (!summary) {
        orphans.push(seg);
        continue;
      }
      let image = images.get(ref.seriesInstanceUid);
      if (!image) {
        const first = ref.instances[0];
        if (!first) continue;
        try {
          const [bytes] = await source.retrieveInstances(study, summary.seriesInstanceUid, [
            first as SopInstanceUid,
          ]);
          const ds = parsePart10(bytes!, { nativeOnly: true, headerOnly: true }).dataset;
          image = {
            summary,
            attributes: attributesOf(ds, summary),
            segs: [],
            instanceUids: ref.instances as SopInstanceUid[],
          };
        } catch (err) {
          throw new ImagingGateError([
            sourceProblem(
              err,
              `${where}, ${named({ summary, attributes: { modality: summary.modality } })}`,
              timePoint,
            ),
          ]);
        }
        images.set(ref.seriesInstanceUid, image);
      }
      image.segs.push(seg);
    }
  }

  // Attributes first, for every sequence; then the description among series not yet taken.
  const chosen = new Map<string, { image: ImageSeries; matchedBy: 'attributes' | 'description' }>();
  const taken = new Set<string>();
  for (const sequence of sequences) {
    const rule = rules[sequence]!;
    const matches = [...images.values()].filter(
      (i) => i.attributes.modality === rule.modality && judgeAttributes(rule, i.attributes).kind === 'match',
    );
    if (matches.length === 1) {
      chosen.set(sequence, { image: matches[0]!, matchedBy: 'attributes' });
      taken.add(matches[0]!.summary.seriesInstanceUid);
    } else if (matches.length > 1) {
      problems.push({
        code: 'ambiguous-series',
        timePoint,
        sequence,
        message: `${where}: ${matches.length} segmented series match ${describeRule(sequence, rule)}: ${matches.map(named).join(', ')}`,
      });
    }
  }
  for (const sequence of sequences) {
    if (chosen.has(sequence) || problems.some((p) => p.sequence === sequence)) continue;
    const rule = rules[sequence]!;
    const free = [...images.values()].filter(
      (i) => !taken.has(i.summary.seriesInstanceUid) && describes(rule, i.attributes),
    );
    const fitting = free.filter((i) => judgeAttributes(rule, i.attributes).kind === 'undecided');
    if (fitting.length === 1) {
      const image = fitting[0]!;
      chosen.set(sequence, { image, matchedBy: 'description' });
      taken.add(image.summary.seriesInstanceUid);
      continue;
    }
    if (fitting.length > 1) {
      problems.push({
        code: 'ambiguous-series',
        timePoint,
        sequence,
        message: `${where}: ${fitting.length} segmented series match ${describeRule(sequence, rule)}: ${fitting.map(named).join(', ')}`,
      });
      continue;
    }
    problems.push(
      missingProblem(sequence, rule, timePoint, where, free, series, images, orphans, unreadable),
    );
  }

  // The chosen series must be what the rule says it is, with exactly one SEG.
  const located = new Map<string, LocatedSeries>();
  for (const [sequence, { image, matchedBy }] of chosen) {
    const rule = rules[sequence]!;
    const a = image.attributes;
    if (a.modality !== rule.modality) {
      problems.push({
        code: 'wrong-modality',
        timePoint,
        sequence,
        message: `${where}: ${sequence} ${named(image)} is ${a.modality}, the model needs ${rule.modality}`,
      });
      continue;
    }
    if (
      a.bodyPartExamined &&
      !rule.bodyPart.some((b) => b.toUpperCase() === a.bodyPartExamined!.toUpperCase())
    ) {
      problems.push({
        code: 'wrong-body-part',
        timePoint,
        sequence,
        message: `${where}: ${sequence} ${named(image)} shows body part ${a.bodyPartExamined}, the model needs ${rule.bodyPart.join(' or ')}`,
      });
      continue;
    }
    if (image.segs.length > 1) {
      problems.push({
        code: 'ambiguous-series',
        timePoint,
        sequence,
        message: `${where}: ${image.segs.length} SEGs are drawn on ${sequence} ${named(image)} (${image.segs.map((s) => s.sopInstanceUid).join(', ')}); which one to use is not decided automatically`,
      });
      continue;
    }
    const seg = image.segs[0]!;
    located.set(sequence, {
      sequence,
      timePoint,
      studyInstanceUid: study,
      seriesInstanceUid: image.summary.seriesInstanceUid,
      ...(a.seriesDescription ? { seriesDescription: a.seriesDescription } : {}),
      attributes: a,
      matchedBy,
      instanceUids: image.instanceUids,
      seg: {
        studyInstanceUid: study,
        seriesInstanceUid: seg.seriesInstanceUid,
        sopInstanceUid: seg.sopInstanceUid,
        bytes: seg.bytes,
      },
    });
  }
  if (problems.length > 0) throw new ImagingGateError(problems);
  return located;
}

/** The most specific reason no segmented series serves `sequence`. */
function missingProblem(
  sequence: string,
  rule: SequenceRule,
  timePoint: ImagingTimePoint,
  where: string,
  described: ImageSeries[],
  series: SeriesSummary[],
  images: Map<string, ImageSeries>,
  orphans: SegFile[],
  unreadable: string[],
): ImagingProblem {
  const base = { timePoint, sequence };
  // A segmented series that is the sequence by description or attributes but of another modality.
  const otherModality = [...images.values()].find(
    (i) =>
      i.attributes.modality !== rule.modality &&
      (describes(rule, i.attributes) || judgeAttributes(rule, i.attributes).kind === 'match'),
  );
  if (otherModality)
    return {
      ...base,
      code: 'wrong-modality',
      message: `${where}: ${sequence} ${named(otherModality)} is ${otherModality.attributes.modality}, the model needs ${rule.modality}`,
    };
  const contradicted = described.find((i) => judgeAttributes(rule, i.attributes).kind === 'contradicts');
  if (contradicted) {
    const verdict = judgeAttributes(rule, contradicted.attributes) as { reason: string };
    return {
      ...base,
      code: 'seg-mismatch',
      message: `${where}: the SEG on ${sequence} ${named(contradicted)} ${verdict.reason}`,
    };
  }
  const unsegmented = series.filter(
    (s) =>
      s.modality !== 'SEG' &&
      !images.has(s.seriesInstanceUid) &&
      describes(rule, { modality: s.modality, ...optionalDescription(s.seriesDescription) }),
  );
  const wrongModality = unsegmented.find((s) => s.modality !== rule.modality);
  if (wrongModality)
    return {
      ...base,
      code: 'wrong-modality',
      message: `${where}: the ${sequence} series "${wrongModality.seriesDescription ?? ''}" is ${wrongModality.modality}, the model needs ${rule.modality}`,
    };
  if (orphans.length > 0)
    return {
      ...base,
      code: 'seg-mismatch',
      message: `${where}: no SEG is drawn on a ${sequence} series; SEG ${orphans.map((o) => `"${o.description ?? o.sopInstanceUid}"`).join(', ')} references series ${[...new Set(orphans.flatMap((o) => o.references.map((r) => r.seriesInstanceUid)))].join(', ')}, which ${orphans.length > 1 ? 'are' : 'is'} not in this study`,
    };
  if (unreadable.length > 0)
    return { ...base, code: 'corrupt-dicom', message: `${where}: ${unreadable.join('; ')}` };
  if (unsegmented.length > 0)
    return {
      ...base,
      code: 'missing-seg',
      message: `${where}: ${sequence} series "${unsegmented[0]!.seriesDescription ?? ''}" (${unsegmented[0]!.seriesInstanceUid}) has no tumour SEG`,
    };
  return {
    ...base,
    code: 'missing-sequence',
    message: `${where}: no series matches ${describeRule(sequence, rule)}`,
  };
}
