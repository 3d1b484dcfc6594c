import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { nrrdReadImageNode } from '@itk-wasm/image-io';
import { ImageReadError, readNrrd } from './nrrd.ts';

const REFERENCE = path.resolve(import.meta.dirname, '../../../shared/reference/pyradiomics/breast1');
const skip = existsSync(REFERENCE) ? false : `reference data absent: ${REFERENCE}`;

function nrrd(header: string, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`NRRD0004\n${header}\n\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

describe('NRRD reader', () => {
  it('reads breast1 (PyRadiomics test case) exactly as itk-wasm does', { skip }, async () => {
    const file = path.join(REFERENCE, 'breast1_image.nrrd');
    const ours = readNrrd(readFileSync(file), file);
    const { couldRead, image } = await nrrdReadImageNode(file);
    assert.equal(couldRead, true);
    assert.deepEqual([...ours.size], image.size);
    image.spacing.forEach((s, c) => assert.ok(Math.abs(s - ours.spacingMm[c]!) < 1e-9));
    image.origin.forEach((o, c) => assert.ok(Math.abs(o - ours.originMm[c]!) < 1e-9));
    // itk-wasm stores the direction column-major; ours is row-major with columns = axes.
    const d = image.direction as Float64Array;
    for (let r = 0; r < 3; r += 1)
      for (let c = 0; c < 3; c += 1) assert.ok(Math.abs(d[c * 3 + r]! - ours.direction[r * 3 + c]!) < 1e-12);
    const theirs = image.data as Int16Array;
    assert.equal(ours.data.length, theirs.length);
    for (let n = 0; n < theirs.length; n += 1)
      if (ours.data[n] !== theirs[n]) assert.fail(`voxel ${n} differs`);
  });

  it('converts RAS space to LPS and reads raw big-endian data', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setUint16(0, 513, false);
    const v = readNrrd(
      nrrd(
        'type: ushort\ndimension: 3\nspace: right-anterior-superior\nsizes: 2 2 1\nspace directions: (2,0,0) (0,3,0) (0,0,4)\nendian: big\nencoding: raw\nspace origin: (10,20,30)',
        data,
      ),
    );
    assert.deepEqual([...v.originMm], [-10, -20, 30]);
    assert.deepEqual([...v.spacingMm], [2, 3, 4]);
    assert.deepEqual([...v.direction], [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    assert.equal(v.data[0], 513);
  });

  it('refuses what it cannot read, saying what', () => {
    assert.throws(
      () => readNrrd(new TextEncoder().encode('P5\n')),
      (e: Error) => e instanceof ImageReadError && /not a NRRD file/.test(e.message),
    );
    const header =
      'type: short\ndimension: 3\nsizes: 2 2 2\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nencoding: gzip';
    assert.throws(() => readNrrd(nrrd(header, new Uint8Array([1, 2, 3]))), /gzip data is corrupt/);
    assert.throws(
      () => readNrrd(nrrd(header.replace('gzip', 'raw'), new Uint8Array(4))),
      /holds 4 bytes; 16 expected/,
    );
    assert.throws(
      () => readNrrd(nrrd(header.replace('dimension: 3', 'dimension: 2'), gzipSync(new Uint8Array(16)))),
      /only 3-D/,
    );
  });

  it('refuses an image beyond the voxel limit from its header, before reading any data', () => {
    // 1024 × 1024 × 1024 int16 = 2 GiB of voxel data; the header alone must be enough to refuse.
    const header =
      'type: short\ndimension: 3\nsizes: 1024 1024 1024\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: raw';
    assert.throws(
      () => readNrrd(nrrd(header, new Uint8Array(16)), 'huge.nrrd'),
      (err) =>
        err instanceof ImageReadError &&
        /huge.nrrd: image of 1,073,741,824 voxels \(1024×1024×1024\) exceeds the limit/.test(err.message),
    );
  });
});
