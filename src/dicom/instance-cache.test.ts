import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomSource, SeriesUid, SopInstanceUid, StudyUid } from './dicom-types.ts';
import { CachingDicomSource, InstanceCache } from './instance-cache.ts';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('InstanceCache', () => {
  it('evicts the least recently used entries once over budget', () => {
    const cache = new InstanceCache(30);
    cache.set('a', bytes(10, 1));
    cache.set('b', bytes(10, 2));
    cache.set('c', bytes(10, 3));
    assert.equal(cache.get('a')?.[0], 1); // a becomes the most recent
    cache.set('d', bytes(10, 4)); // over 30 bytes: b, the least recent, goes
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(
      ['a', 'c', 'd'].map((k) => cache.get(k)?.[0]),
      [1, 3, 4],
    );
    assert.equal(cache.sizeBytes, 30);
  });

  it('keeps nothing larger than the whole budget, and replaces a key in place', () => {
    const cache = new InstanceCache(8);
    cache.set('big', bytes(9, 1));
    assert.equal(cache.get('big'), undefined);
    cache.set('x', bytes(4, 1));
    cache.set('x', bytes(6, 2));
    assert.equal(cache.sizeBytes, 6);
    assert.equal(cache.get('x')?.[0], 2);
  });
});

describe('CachingDicomSource', () => {
  it('asks the source only for the instances it lacks, answers in the order asked, and counts both', async () => {
    const asked: string[][] = [];
    const source = {
      retrieveInstances: async (_s: StudyUid, _r: SeriesUid, uids?: readonly SopInstanceUid[]) => {
        asked.push([...(uids ?? [])]);
        return (uids ?? []).map((u) => bytes(Number(u.split('.').pop()), Number(u.split('.').pop())));
      },
    } as unknown as DicomSource;
    const caching = new CachingDicomSource(source, new InstanceCache(1_000));
    const uid = (n: number) => `1.2.${n}` as SopInstanceUid;
    const study = '1.1' as StudyUid;
    const series = '1.3' as SeriesUid;
    await caching.retrieveInstances(study, series, [uid(2), uid(3)]);
    const again = await caching.retrieveInstances(study, series, [uid(4), uid(2), uid(3)]);
    assert.deepEqual(asked, [['1.2.2', '1.2.3'], ['1.2.4']]);
    assert.deepEqual(
      again.map((b) => b.byteLength),
      [4, 2, 3],
    );
    assert.deepEqual(caching.counters, {
      fetchedInstances: 3,
      fetchedBytes: 9,
      cachedInstances: 2,
      cachedBytes: 5,
    });
  });
});
