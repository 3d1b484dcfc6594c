/**
 * Typed facade over dcmjs, the only module that imports it: parse DICOM Part-10 bytes (PS3.10 §7)
 * into a naturalised dataset (keyword → value, as dcmjs and the DICOM JSON model name them) and
 * encode a naturalised dataset back into Part-10 bytes. No DICOM byte encoding is hand-rolled in
 * this codebase: dcmjs reads and writes every element.
 */
import dcmjs from 'dcmjs';
import { DicomError } from './dicom-types.ts';
import { uidFrom } from './uid.ts';

// dcmjs warns on the console for every element it does not know; errors still throw.
dcmjs.log.setLevel('error');

/**
 * A naturalised dataset: keys are DICOM keywords (PS3.6), values are strings, numbers, arrays
 * of them, PN objects (`{ Alphabetic }`), binary `ArrayBuffer`s or arrays of nested datasets
 * (sequences). Multi-valued numeric attributes are arrays; single values are unwrapped.
 */
export interface NaturalDataset {
  [keyword: string]: unknown;
}

export const TransferSyntax = {
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVrBigEndian: '1.2.840.10008.1.2.2',
} as const;

/** Names of the common compressed transfer syntaxes (PS3.6 Table A-1), for error messages. */
const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian (retired)',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
};

export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAX_NAMES[uid] ?? 'unknown transfer syntax';
}

/** Transfer syntaxes whose pixel data the decoders read: native (uncompressed) little endian. */
export const NATIVE_LITTLE_ENDIAN: ReadonlySet<string> = new Set([
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.DeflatedExplicitVrLittleEndian,
]);

export interface Part10 {
  /** File Meta Information (group 0002). */
  meta: NaturalDataset;
  dataset: NaturalDataset;
  transferSyntaxUid: string;
  /** False when parsing stopped before Pixel Data (header-only parse). */
  hasPixelData: boolean;
}

export interface ParseOptions {
  /** Stop before Pixel Data (7FE0,0010): its value is neither read nor copied. */
  headerOnly?: boolean;
  /** Named in error messages (e.g. a file path). */
  source?: string;
  /**
   * Refuse (DicomError naming it) a transfer syntax other than uncompressed little endian before
   * the dataset is parsed: what the decoders need.
   */
  nativeOnly?: boolean;
}

const PIXEL_DATA_TAG = '7FE00010';

/** True when the bytes carry the Part-10 128-byte preamble followed by "DICM" (PS3.10 §7.1). */
export function hasDicmPrefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/** An ArrayBuffer holding exactly these bytes (no copy when the view already spans one). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

/**
 * Parses Part-10 bytes. Throws a DicomError for bytes that are not a Part-10 file (no DICM
 * prefix) or that dcmjs cannot parse. With `headerOnly`, `hasPixelData` tells whether parsing
 * reached Pixel Data; when it did not, the bytes held less than the whole header.
 */
export function parsePart10(bytes: Uint8Array, options: ParseOptions = {}): Part10 {
  const where = options.source ? `${options.source}: ` : '';
  if (!hasDicmPrefix(bytes)) {
    throw new DicomError(`${where}not a DICOM Part-10 file (no DICM prefix)`);
  }
  const buffer = toArrayBuffer(bytes);
  if (options.nativeOnly) {
    const ts = readTransferSyntax(buffer, where);
    if (!NATIVE_LITTLE_ENDIAN.has(ts)) {
      throw new DicomError(
        `${where}pixel data in ${transferSyntaxName(ts)} (${ts}) is not supported; only uncompressed ` +
          'little-endian transfer syntaxes (Implicit / Explicit VR Little Endian) are decoded',
      );
    }
  }
  let dict;
  try {
    dict = dcmjs.data.DicomMessage.readFile(buffer, {
      ignoreErrors: false,
      untilTag: options.headerOnly ? PIXEL_DATA_TAG : null,
      includeUntilTagValue: false,
      noCopy: true,
    });
  } catch (err) {
    throw new DicomError(`${where}cannot parse DICOM Part-10 file: ${(err as Error).message}`);
  }
  const reachedPixelData = PIXEL_DATA_TAG in dict.dict;
  if (options.headerOnly) delete dict.dict[PIXEL_DATA_TAG];
  const naturalize = dcmjs.data.DicomMetaDictionary.naturalizeDataset;
  const meta = naturalize(dict.meta);
  const dataset = naturalize(dict.dict);
  const transferSyntaxUid = str(meta, 'TransferSyntaxUID');
  if (!transferSyntaxUid) throw new DicomError(`${where}File Meta Information has no Transfer Syntax UID`);
  if (!options.headerOnly && reachedPixelData && NATIVE_LITTLE_ENDIAN.has(transferSyntaxUid)) {
    // dcmjs zero-fills a Pixel Data value cut short by the end of the file: refuse it here, so
    // that no reader decodes a truncated copy into a wrong image.
    const expected = expectedPixelBytes(dataset);
    const missing = expected === undefined ? 0 : missingPixelBytes(bytes, expected);
    if (missing > 0)
      throw new DicomError(
        `${where}corrupt DICOM file: Pixel Data is cut short by ${missing} bytes (truncated file?)`,
      );
  }
  return { meta, dataset, transferSyntaxUid, hasPixelData: reachedPixelData };
}

/** Bytes of Pixel Data the header asks for: frames × rows × columns × samples × bits / 8 (PS3.5 §8.1.1). */
export function expectedPixelBytes(ds: NaturalDataset): number | undefined {
  const rows = num(ds, 'Rows');
  const columns = num(ds, 'Columns');
  const bits = num(ds, 'BitsAllocated');
  if (!rows || !columns || !bits) return undefined;
  const frames = num(ds, 'NumberOfFrames') ?? 1;
  const samples = num(ds, 'SamplesPerPixel') ?? 1;
  return Math.ceil((frames * rows * columns * samples * bits) / 8);
}

const PIXEL_DATA_TAG_LE = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);

/**
 * Bytes missing from the end of a Pixel Data value cut short by the end of the file. dcmjs
 * zero-fills such a value, so a truncated copy would otherwise decode silently into a wrong
 * image. The element (7FE0,0010) is found in little endian (the only byte order the decoders
 * accept) and trusted only when its declared length is the one the header implies (the value is
 * padded to even length, PS3.5 §7.1.1), so a look-alike byte pattern is never taken for it.
 */
export function missingPixelBytes(bytes: Uint8Array, expected: number): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf(PIXEL_DATA_TAG_LE, 132); at >= 0; at = buf.indexOf(PIXEL_DATA_TAG_LE, at + 1)) {
    // Explicit VR: tag, VR "OB"/"OW", 2 reserved bytes, 4-byte length; implicit VR: tag, 4-byte length.
    const explicit = buf[at + 4] === 0x4f && (buf[at + 5] === 0x42 || buf[at + 5] === 0x57);
    const header = explicit ? 12 : 8;
    if (at + header > buf.length) return 0;
    const length = buf.readUInt32LE(at + header - 4);
    if (length !== expected && length !== expected + 1) continue;
    return Math.max(0, at + header + length - buf.length);
  }
  return 0;
}

/** The Transfer Syntax UID of the File Meta Information, reading nothing of the dataset. */
function readTransferSyntax(buffer: ArrayBuffer, where: string): string {
  try {
    // Meta tags are all ≤ (0002,FFFF); the dataset read stops at its first (greater) tag.
    const dict = dcmjs.data.DicomMessage.readFile(buffer, {
      untilTag: '0002FFFF',
      stopOnGreaterTag: true,
      noCopy: true,
    });
    const ts = dict.meta['00020010']?.Value?.[0];
    if (typeof ts !== 'string') throw new Error('no Transfer Syntax UID');
    return ts.replace(/\0+$/, '').trim();
  } catch (err) {
    throw new DicomError(`${where}cannot parse the File Meta Information: ${(err as Error).message}`);
  }
}

// ----- accessors --------------------------------------------------------------------------------

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** A string attribute (first value of a multi-valued one); PN gives its Alphabetic group. */
export function str(ds: NaturalDataset, keyword: string): string | undefined {
  const v = first(ds[keyword]);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: unknown }).Alphabetic);
  return undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A numeric attribute (IS, DS, US, UL, FD, …); first value of a multi-valued one. */
export function num(ds: NaturalDataset, keyword: string): number | undefined {
  return toNumber(first(ds[keyword]));
}

/** All values of a numeric attribute; undefined when absent or any value is not a number. */
export function nums(ds: NaturalDataset, keyword: string): number[] | undefined {
  const v = ds[keyword];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  const out = list.map(toNumber);
  return out.every((n): n is number => n !== undefined) ? out : undefined;
}

/** All values of a string attribute. */
export function strs(ds: NaturalDataset, keyword: string): string[] {
  const v = ds[keyword];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** Items of a sequence attribute (empty when absent). */
export function seq(ds: NaturalDataset, keyword: string): NaturalDataset[] {
  const v = ds[keyword];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is NaturalDataset => typeof x === 'object' && x !== null);
}

/** First item of a sequence attribute. */
export function item(ds: NaturalDataset, keyword: string): NaturalDataset | undefined {
  return seq(ds, keyword)[0];
}

/** The bytes of a native (not encapsulated) Pixel Data element (dcmjs gives an ArrayBuffer, a view
 * or a list of either, depending on how it read the file). */
export function pixelDataBytes(ds: NaturalDataset): Uint8Array | undefined {
  const v = ds['PixelData'];
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x): Uint8Array[] => {
    if (x instanceof ArrayBuffer) return [new Uint8Array(x)];
    if (ArrayBuffer.isView(x)) return [new Uint8Array(x.buffer, x.byteOffset, x.byteLength)];
    return [];
  });
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

// ----- encoding ----------------------------------------------------------------------------------

/** PS3.7 D.3.3.2 style implementation identity written in the File Meta Information. */
export const IMPLEMENTATION_CLASS_UID = uidFrom<'Implementation'>('axilla-cds/dicom-implementation/1');
export const IMPLEMENTATION_VERSION_NAME = 'AXILLA_CDS_01';
export const SOFTWARE_VERSION = 'axilla-cds 0.1.0';

/**
 * A DS (decimal string, PS3.5 §6.2) value of at most 16 characters with as many significant
 * digits as fit. dcmjs would otherwise truncate a long `String(number)`.
 */
export function ds(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`DS value must be finite, got ${value}`);
  if (Object.is(value, -0) || value === 0) return '0';
  for (let p = 15; p >= 1; p -= 1) {
    let s = value.toPrecision(p);
    if (s.includes('e')) {
      const [m, e] = s.split('e') as [string, string];
      s = `${m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m}e${e}`;
    } else if (s.includes('.')) {
      s = s.replace(/0+$/, '').replace(/\.$/, '');
    }
    if (s.length <= 16) return s;
  }
  throw new RangeError(`cannot write ${value} as a DS`);
}

/** An IS (integer string) value. */
export function is(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1)
    throw new RangeError(`bad IS value ${value}`);
  return String(value);
}

/**
 * Part-10 bytes of a naturalised dataset: preamble, "DICM", File Meta Information (PS3.10 §7.1)
 * and the dataset in Explicit VR Little Endian. `vrMap` names the VR of attributes whose VR
 * depends on context (e.g. `{ PixelData: 'OW' }`).
 */
export function encodePart10(dataset: NaturalDataset, vrMap: Record<string, string> = {}): Uint8Array {
  const sopClassUid = str(dataset, 'SOPClassUID');
  const sopInstanceUid = str(dataset, 'SOPInstanceUID');
  if (!sopClassUid || !sopInstanceUid) throw new RangeError('dataset needs SOPClassUID and SOPInstanceUID');
  assertKnownKeywords(dataset, '');
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: TransferSyntax.ExplicitVrLittleEndian,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    _vrMap: { FileMetaInformationVersion: 'OB' },
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ ...dataset, _vrMap: vrMap });
  return new Uint8Array(dict.write());
}

/** Whether dcmjs's data dictionary knows a keyword. */
export function isKnownKeyword(keyword: string): boolean {
  return dcmjs.data.DicomMetaDictionary.nameMap[keyword] !== undefined;
}

/** Maximum value lengths of string VRs (PS3.5 Table 6.2-1); dcmjs would silently truncate. */
const MAX_LENGTH: Record<string, number> = {
  AE: 16,
  AS: 4,
  CS: 16,
  DA: 8,
  DS: 16,
  IS: 12,
  LO: 64,
  PN: 64,
  SH: 16,
  ST: 1024,
  TM: 16,
  UI: 64,
  LT: 10240,
};

/** dcmjs drops unknown keywords with a warning; a writer bug must fail loudly instead. */
function assertKnownKeywords(ds: NaturalDataset, path: string): void {
  for (const [keyword, value] of Object.entries(ds)) {
    if (keyword === '_vrMap' || keyword === '_meta') continue;
    const entry = dcmjs.data.DicomMetaDictionary.nameMap[keyword];
    if (!entry) throw new RangeError(`unknown DICOM keyword ${path}${keyword}`);
    const max = MAX_LENGTH[entry.vr];
    if (max !== undefined && value !== null && value !== undefined) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const text =
          typeof v === 'object' && v !== null && 'Alphabetic' in v ? String(v.Alphabetic) : String(v);
        if (text.length > max) {
          throw new RangeError(`${path}${keyword} (${entry.vr}) is longer than ${max} characters: "${text}"`);
        }
      }
    }
    if (entry.vr === 'SQ' && Array.isArray(value)) {
      value.forEach((v: unknown, n) => {
        if (typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer)) {
          assertKnownKeywords(v as NaturalDataset, `${path}${keyword}[${n}].`);
        }
      });
    }
  }
}
