/**
 * The Orthanc test harness itself: it starts a real Orthanc with the DICOMweb plugin on loopback,
 * reports its version, answers DICOMweb, and leaves nothing behind when stopped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { orthancSkipReason, startOrthanc, type OrthancInstance } from './support/orthanc.ts';

const skip = orthancSkipReason();

describe('Orthanc harness', { skip }, () => {
  const started: OrthancInstance[] = [];
  after(async () => {
    await Promise.all(started.map((o) => o.stop()));
  });

  test('starts on loopback, reports its version, serves DICOMweb, stops and removes its folder', async () => {
    const orthanc = await startOrthanc();
    started.push(orthanc);
    assert.match(orthanc.version, /^\d+\.\d+\.\d+/);
    assert.match(orthanc.dicomWebRoot, /^http:\/\/127\.0\.0\.1:\d+\/dicom-web$/);
    assert.notEqual(orthanc.httpPort, orthanc.dicomPort);
    assert.ok(existsSync(orthanc.folder));
    console.log(`Orthanc ${orthanc.version} answered /system after ${orthanc.startupMs} ms`);

    const plugin = await fetch(`${orthanc.restRoot}/plugins/dicom-web`);
    assert.equal(plugin.status, 200);
    const qido = await fetch(`${orthanc.dicomWebRoot}/studies`, {
      headers: { accept: 'application/dicom+json' },
    });
    assert.equal(qido.status, 200);
    assert.deepEqual(await qido.json(), []);

    await orthanc.stop();
    assert.equal(existsSync(orthanc.folder), false, 'storage folder removed');
    await assert.rejects(fetch(`${orthanc.restRoot}/system`), 'no longer answering');
    await orthanc.stop(); // idempotent
  });

  test('the DICOM port refuses every association (DCMTK echoscu)', async (t) => {
    if (spawnSync('echoscu', ['--version']).error) return t.skip('DCMTK echoscu not installed');
    const orthanc = await startOrthanc();
    started.push(orthanc);
    const echo = spawnSync('echoscu', ['-aec', 'AXILLATEST', '127.0.0.1', String(orthanc.dicomPort)], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.notEqual(echo.status, 0);
    assert.match(`${echo.stdout}${echo.stderr}`, /Calling AE Title Not Recognized/);
    await orthanc.stop();
  });

  test('two instances run side by side on different ports', async () => {
    const [a, b] = await Promise.all([startOrthanc(), startOrthanc()]);
    started.push(a, b);
    assert.notEqual(a.httpPort, b.httpPort);
    assert.notEqual(a.folder, b.folder);
    await Promise.all([a.stop(), b.stop()]);
  });

  test('kill() stops it at once; stop() afterwards still removes the folder', async () => {
    const orthanc = await startOrthanc();
    started.push(orthanc);
    orthanc.kill();
    await orthanc.stop();
    assert.equal(existsSync(orthanc.folder), false);
  });

  test('a bad configuration fails with Orthanc output in the error', async () => {
    await assert.rejects(
      startOrthanc({ extraConfig: { HttpPort: 'not-a-port' }, startTimeoutMs: 10_000 }),
      (err: Error) => {
        assert.equal(err.name, 'OrthancStartError');
        assert.match(err.message, /output tail/);
        assert.match(err.message, /HttpPort/, 'Orthanc says what is wrong');
        return true;
      },
    );
  });
});
