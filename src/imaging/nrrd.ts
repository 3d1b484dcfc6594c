import { gunzipSync } from 'node:zlib';
import { checkVoxelLimit, type Mat3, type Vec3, type VoxelArray, type Volume } from './volume.ts';

/** A problem reading an image file, named precisely for the user. */
export class ImageReadError extends Error {
  override name = 'ImageReadError';
}

const TYPES: Record<
  string,
  { bytes: number; make: (n: number) => VoxelArray; read: (v: DataView, o: number, le: boolean) => number }
> = {
  int8: { bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  uint8: { bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  int16: { bytes: 2, make: (n) => new Int16Array(n), read: (v, o, le) => v.getInt16(o, le) },
  uint16: { bytes: 2, make: (n) => new Uint16Array(n), read: (v, o, le) => v.getUint16(o, le) },
  int32: { bytes: 4, make: (n) => new Int32Array(n), read: (v, o, le) => v.getInt32(o, le) },
  uint32: { bytes: 4, make: (n) => new Uint32Array(n), read: (v, o, le) => v.getUint32(o, le) },
  float: { bytes: 4, make: (n) => new Float32Array(n), read: (v, o, le) => v.getFloat32(o, le) },
  double: { bytes: 8, make: (n) => new Float64Array(n), read: (v, o, le) => v.getFloat64(o, le) },
};

/** NRRD type names and their synonyms (NRRD format specification, "type"). */
const TYPE_ALIASES: Record<string, string> = {
  'signed char': 'int8',
  int8: 'int8',
  int8_t: 'int8',
  char: 'int8',
  uchar: 'uint8',
  'unsigned char': 'uint8',
  uint8: 'uint8',
  uint8_t: 'uint8',
  short: 'int16',
  'short int': 'int16',
  'signed short': 'int16',
  'signed short int': 'int16',
  int16: 'int16',
  int16_t: 'int16',
  ushort: 'uint16',
  'unsigned short': 'uint16',
  'unsigned short int': 'uint16',
  uint16: 'uint16',
  uint16_t: 'uint16',
  int: 'int32',
  'signed int': 'int32',
  int32: 'int32',
  int32_t: 'int32',
  uint: 'uint32',
  'unsigned int': 'uint32',
  uint32: 'uint32',
  uint32_t: 'uint32',
  float: 'float',
  double: 'double',
};

function parseVector(text: string, what: string): number[] {
  const m = /^\(([^)]*)\)$/.exec(text.trim());
  if (!m) throw new ImageReadError(`NRRD ${what} is not a vector: ${text}`);
  return m[1]!.split(',').map((x) => Number(x));
}

/**
 * Reads a 3-D NRRD (the format of the PyRadiomics test data) into a Volume in LPS world
 * coordinates: spacing is the length of each `space directions` vector, the direction matrix
 * its normalised columns. Inline raw or gzip data only. Follows the NRRD format specification
 * (teem.sourceforge.net/nrrd/format.html).
 */
export function readNrrd(bytes: Uint8Array, source = 'NRRD file'): Volume<VoxelArray> {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  if (!text.startsWith('NRRD000'))
    throw new ImageReadError(`${source} is not a NRRD file (no NRRD000x magic)`);
  const end = text.indexOf('\n\n');
  if (end < 0) throw new ImageReadError(`${source}: NRRD header does not end within 64 KiB`);
  const fields = new Map<string, string>();
  for (const line of text.slice(0, end).split('\n').slice(1)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const sep = line.indexOf(': ');
    if (sep < 0) continue; // key:=value lines are key/value pairs, not fields
    fields.set(line.slice(0, sep).trim().toLowerCase(), line.slice(sep + 2).trim());
  }
  const need = (k: string): string => {
    const v = fields.get(k);
    if (v === undefined) throw new ImageReadError(`${source}: NRRD header lacks "${k}"`);
    return v;
  };
  if (fields.has('data file'))
    throw new ImageReadError(`${source}: detached NRRD data files are not supported`);
  const typeName = TYPE_ALIASES[need('type').toLowerCase()];
  if (!typeName) throw new ImageReadError(`${source}: unsupported NRRD type ${need('type')}`);
  const type = TYPES[typeName]!;
  if (Number(need('dimension')) !== 3)
    throw new ImageReadError(
      `${source}: only 3-D NRRD images are supported (dimension ${need('dimension')})`,
    );
  const size = need('sizes').split(/\s+/).map(Number) as unknown as Vec3;
  if (size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 1))
    throw new ImageReadError(`${source}: NRRD sizes must be three positive integers (${need('sizes')})`);
  // Before any allocation, so a huge image is refused rather than crashing the process.
  try {
    checkVoxelLimit(size, source);
  } catch (err) {
    throw new ImageReadError((err as Error).message);
  }
  const space = (fields.get('space') ?? 'left-posterior-superior').toLowerCase();
  const lps = ['left-posterior-superior', 'lps'].includes(space);
  const ras = ['right-anterior-superior', 'ras'].includes(space);
  if (!lps && !ras) throw new ImageReadError(`${source}: unsupported NRRD space ${space}`);
  const dirs =
    need('space directions')
      .match(/\([^)]*\)/g)
      ?.map((d) => parseVector(d, 'space directions')) ?? [];
  if (dirs.length !== 3 || dirs.some((d) => d.length !== 3 || d.some((x) => !Number.isFinite(x)))) {
    throw new ImageReadError(`${source}: NRRD space directions must be three 3-vectors`);
  }
  const origin = parseVector(fields.get('space origin') ?? '(0,0,0)', 'space origin');
  // RAS to LPS: negate the first two world axes.
  const flip = ras ? [-1, -1, 1] : [1, 1, 1];
  const spacing = dirs.map((d) => Math.hypot(d[0]!, d[1]!, d[2]!)) as unknown as Vec3;
  const direction = [0, 1, 2].flatMap((row) =>
    // `+ 0` turns the -0 of a negated zero into 0, so equal geometries compare equal.
    [0, 1, 2].map((col) => (flip[row]! * dirs[col]![row]!) / spacing[col]! + 0),
  ) as unknown as Mat3;
  const encoding = need('encoding').toLowerCase();
  const raw = bytes.subarray(new TextEncoder().encode(text.slice(0, end + 2)).length);
  let payload: Uint8Array;
  if (encoding === 'raw') payload = raw;
  else if (encoding === 'gzip' || encoding === 'gz') {
    try {
      payload = gunzipSync(raw);
    } catch (err) {
      throw new ImageReadError(`${source}: gzip data is corrupt (${(err as Error).message})`);
    }
  } else throw new ImageReadError(`${source}: unsupported NRRD encoding ${encoding}`);
  const n = size[0] * size[1] * size[2];
  if (payload.length < n * type.bytes) {
    throw new ImageReadError(
      `${source}: NRRD data holds ${payload.length} bytes; ${n * type.bytes} expected`,
    );
  }
  const littleEndian = (fields.get('endian') ?? 'little').toLowerCase() === 'little';
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const data = type.make(n);
  for (let i = 0; i < n; i += 1) data[i] = type.read(view, i * type.bytes, littleEndian);
  return {
    size,
    spacingMm: spacing,
    originMm: [flip[0]! * origin[0]! + 0, flip[1]! * origin[1]! + 0, flip[2]! * origin[2]! + 0],
    direction,
    data,
  };
}
