/**
 * DicomWebSource and the push helpers against a real Orthanc (DESIGN §5), plus tiny loopback
 * servers for the faults Orthanc will not produce on demand (no answer, cut-off multipart,
 * garbage). Every server started here is stopped in an `after` hook.
 *
 * Retrieved instances are compared as parsed datasets, not raw bytes: a PACS may rewrite the
 * File Meta Information (Orthanc 1.10 returns the stored file unchanged, but the contract is
 * the dataset).
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../src/demo/embedded-fhir-server.ts';
import { AXIAL, patient, seriesSpec, study, tempFolder } from '../src/dicom/dicom-fixtures.test-helper.ts';
import { DicomError, type DicomFile, type SeriesUid, type StudyUid } from '../src/dicom/dicom-types.ts';
import { DicomWebError, parseMultipart, type DicomWebFailure } from '../src/dicom/dicomweb-http.ts';
import { DicomWebSource, type DicomWebSourceOptions } from '../src/dicom/dicomweb-source.ts';
import { writeMrSeries } from '../src/dicom/mr-writer.ts';
import { parsePart10, pixelDataBytes } from '../src/dicom/part10.ts';
import { FhirPushError, pushDicom, pushFhirBundle } from '../src/dicom/push.ts';
import { orthancSkipReason, startOrthanc, type OrthancInstance } from './support/orthanc.ts';

const skip = orthancSkipReason();

// ----- fixtures -----------------------------------------------------------------------------------

const studyA = study('dicomweb-a');
const t2 = seriesSpec('T2', AXIAL, 'dicomweb-a');
const dce = seriesSpec('DCE', AXIAL, 'dicomweb-a');
const t2Files = writeMrSeries(patient, studyA, t2); // 10 instances
const dceFiles = writeMrSeries(patient, studyA, dce); // 3 phases × 10 slices
// Another patient whose ID differs only in case: Orthanc's QIDO matches both.
const otherPatient = { ...patient, patientId: patient.patientId.toLowerCase(), patientName: 'Other^Patient' };
const studyB = study('dicomweb-b');
const otherFiles = writeMrSeries(otherPatient, studyB, seriesSpec('T2', AXIAL, 'dicomweb-b'));

function options(url: string, more: Partial<DicomWebSourceOptions> = {}): DicomWebSourceOptions {
  return { url, timeoutMs: 10_000, maxConcurrent: 4, allowInsecureHttp: 'loopback', ...more };
}

function sameDataset(actual: Uint8Array, expected: DicomFile): void {
  const a = parsePart10(actual);
  const e = parsePart10(expected.bytes);
  assert.equal(a.dataset.SOPInstanceUID, expected.sopInstanceUid);
  assert.equal(a.dataset.SeriesInstanceUID, expected.seriesInstanceUid);
  assert.equal(a.dataset.StudyInstanceUID, expected.studyInstanceUid);
  assert.deepEqual(pixelDataBytes(a.dataset), pixelDataBytes(e.dataset), 'pixel data byte-identical');
  const { PixelData: _a, ...restA } = a.dataset;
  const { PixelData: _e, ...restE } = e.dataset;
  assert.deepEqual(restA, restE, 'every other attribute identical');
}

/** Asserts a DicomWebError of this kind whose message matches. */
function failsWith(kind: DicomWebFailure, message: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DicomWebError, `expected DicomWebError, got ${String(e)}`);
    if (process.env.SHOW_ERRORS) console.log(`[${e.kind}] ${e.message}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  };
}

// ----- tiny loopback servers ----------------------------------------------------------------------

interface LoopbackServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}

async function loopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dicom-web`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const BOUNDARY = 'test-boundary-1234';
function multipart(parts: Uint8Array[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(p));
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}
const MULTIPART_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

/** A free loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = await loopbackServer(() => undefined);
  await s.close();
  return s.port;
}

// ----- against Orthanc -----------------------------------------------------------------------------

describe('DicomWebSource against Orthanc', { skip }, () => {
  let orthanc: OrthancInstance;
  const cleanups: (() => Promise<void>)[] = [];
  let pushed: Awaited<ReturnType<typeof pushDicom>>;

  before(async () => {
    orthanc = await startOrthanc();
    cleanups.push(() => orthanc.stop());
    // Study A as bytes, study B from files on disk: both kinds of input of pushDicom.
    const folder = await tempFolder();
    cleanups.push(() => folder.remove());
    const paths = await Promise.all(otherFiles.map((f) => folder.write(`${f.sopInstanceUid}.dcm`, f.bytes)));
    pushed = await pushDicom(
      [...t2Files, ...dceFiles].map((f) => f.bytes),
      orthanc.dicomWebRoot,
      {
        allowInsecureHttp: 'loopback',
        batchSize: 8,
      },
    );
    const pushedB = await pushDicom(paths, orthanc.dicomWebRoot, { allowInsecureHttp: 'loopback' });
    assert.deepEqual(pushedB, { stored: 10, failed: [] });
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('STOW-RS push stores every instance, in batches', () => {
    assert.deepEqual(pushed, { stored: 40, failed: [] });
  });

  test('a push reports non-DICOM input without sending it; pushing again is harmless', async () => {
    const garbage = new TextEncoder().encode('<html>not DICOM</html>');
    const result = await pushDicom(
      [t2Files[0]!.bytes, garbage, '/nonexistent/file.dcm'],
      orthanc.dicomWebRoot,
      {
        allowInsecureHttp: 'loopback',
      },
    );
    assert.equal(result.stored, 1);
    assert.deepEqual(
      result.failed.map((f) => [f.source, f.reason.split(':')[0]]),
      [
        ['#1', 'not a DICOM Part-10 file (no DICM prefix); not sent'],
        ['/nonexistent/file.dcm', 'cannot read'],
      ],
    );
  });

  test('findStudies by Patient ID: exact match only, with date, description and modalities', async () => {
    const source = new DicomWebSource(options(orthanc.dicomWebRoot));
    try {
      const studies = await source.findStudies({ patientId: patient.patientId });
      assert.deepEqual(studies, [
        {
          studyInstanceUid: studyA.studyInstanceUid,
          patientId: patient.patientId,
          studyDate: studyA.studyDate,
          studyDescription: studyA.studyDescription,
          modalities: ['MR'],
        },
      ]);
      // Orthanc itself matches the other patient too (case-insensitive PatientID).
      const raw = await fetch(`${orthanc.dicomWebRoot}/studies?PatientID=${patient.patientId}`);
      assert.equal(((await raw.json()) as unknown[]).length, 2);
      const other = await source.findStudies({ patientId: otherPatient.patientId });
      assert.deepEqual(
        other.map((s) => s.studyInstanceUid),
        [studyB.studyInstanceUid],
      );
      assert.deepEqual(await source.findStudies({ patientId: 'NOBODY' }), []);
      assert.deepEqual(
        (await source.findStudies({ studyInstanceUid: studyA.studyInstanceUid })).map((s) => s.patientId),
        [patient.patientId],
      );
    } finally {
      await source.close();
    }
  });

  test('findSeries and findInstances', async () => {
    const source = new DicomWebSource(options(orthanc.dicomWebRoot));
    try {
      const series = await source.findSeries(studyA.studyInstanceUid);
      const byNumber = [...series].sort((a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
      assert.deepEqual(byNumber, [
        {
          studyInstanceUid: studyA.studyInstanceUid,
          seriesInstanceUid: t2.seriesInstanceUid,
          modality: 'MR',
          seriesNumber: t2.seriesNumber,
          seriesDescription: t2.seriesDescription,
          numberOfInstances: 10,
        },
        {
          studyInstanceUid: studyA.studyInstanceUid,
          seriesInstanceUid: dce.seriesInstanceUid,
          modality: 'MR',
          seriesNumber: dce.seriesNumber,
          seriesDescription: dce.seriesDescription,
          numberOfInstances: 30,
        },
      ]);
      const instances = await source.findInstances(studyA.studyInstanceUid, dce.seriesInstanceUid);
      assert.deepEqual(
        instances.map((i) => i.sopInstanceUid),
        dceFiles.map((f) => f.sopInstanceUid),
        'all instances, in Instance Number order',
      );
      assert.deepEqual(
        instances.map((i) => i.instanceNumber),
        dceFiles.map((_f, n) => n + 1),
      );
      assert.ok(instances.every((i) => i.sopClassUid === '1.2.840.10008.5.1.4.1.1.4'));
    } finally {
      await source.close();
    }
  });

  test('findInstances pages through QIDO-RS with limit/offset', async () => {
    const source = new DicomWebSource(options(orthanc.dicomWebRoot, { qidoPageSize: 7 }));
    try {
      const instances = await source.findInstances(studyA.studyInstanceUid, dce.seriesInstanceUid);
      assert.deepEqual(
        instances.map((i) => i.sopInstanceUid),
        dceFiles.map((f) => f.sopInstanceUid),
      );
    } finally {
      await source.close();
    }
  });

  test('retrieveInstances returns the pushed datasets (same UIDs, byte-identical pixel data)', async () => {
    for (const seriesRetrieval of ['instances', 'series'] as const) {
      const source = new DicomWebSource(options(orthanc.dicomWebRoot, { seriesRetrieval }));
      try {
        const files = await source.retrieveInstances(studyA.studyInstanceUid, dce.seriesInstanceUid);
        assert.equal(files.length, dceFiles.length, seriesRetrieval);
        files.forEach((bytes, n) => sameDataset(bytes, dceFiles[n]!));
        const identical = files.every((b, n) => Buffer.from(b).equals(Buffer.from(dceFiles[n]!.bytes)));
        console.log(
          `Orthanc ${orthanc.version} ${seriesRetrieval}: raw bytes identical to pushed: ${identical}`,
        );
      } finally {
        await source.close();
      }
    }
  });

  test('retrieveInstances of chosen instances keeps the order asked for', async () => {
    const source = new DicomWebSource(options(orthanc.dicomWebRoot));
    try {
      const chosen = [t2Files[7]!, t2Files[2]!, t2Files[5]!];
      const files = await source.retrieveInstances(
        studyA.studyInstanceUid,
        t2.seriesInstanceUid,
        chosen.map((f) => f.sopInstanceUid),
      );
      files.forEach((bytes, n) => sameDataset(bytes, chosen[n]!));
    } finally {
      await source.close();
    }
  });

  test('bounded concurrency: maxConcurrent 1 and 4 both return every instance, never more in flight', async () => {
    // A counting proxy in front of Orthanc; each WADO-RS request is held 20 ms so that requests
    // sent together overlap.
    let inFlight = 0;
    let maxInFlight = 0;
    const target = new URL(orthanc.restRoot);
    const proxy = await loopbackServer((req, res) => {
      const isWado = /\/instances\/[\d.]+$/.test(req.url ?? '');
      if (isWado) maxInFlight = Math.max(maxInFlight, (inFlight += 1));
      setTimeout(() => {
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', () => {
              if (isWado) inFlight -= 1;
            });
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      }, 20);
    });
    cleanups.push(() => proxy.close());
    for (const maxConcurrent of [1, 4]) {
      inFlight = 0;
      maxInFlight = 0;
      const source = new DicomWebSource(options(proxy.url, { maxConcurrent }));
      try {
        const files = await source.retrieveInstances(studyA.studyInstanceUid, dce.seriesInstanceUid);
        assert.equal(files.length, 30);
        files.forEach((bytes, n) => sameDataset(bytes, dceFiles[n]!));
        assert.ok(maxInFlight <= maxConcurrent, `max in flight ${maxInFlight} > ${maxConcurrent}`);
        if (maxConcurrent > 1) assert.ok(maxInFlight > 1, `requests ran in parallel (max ${maxInFlight})`);
      } finally {
        await source.close();
      }
    }
  });

  test('a stopped Orthanc: "DICOMweb server unreachable"', async () => {
    const doomed = await startOrthanc();
    cleanups.push(() => doomed.stop());
    const source = new DicomWebSource(options(doomed.dicomWebRoot, { retries: 1, retryDelayMs: 10 }));
    try {
      assert.deepEqual(await source.findStudies({ patientId: 'X' }), []);
      doomed.kill();
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(
        source.findStudies({ patientId: 'X' }),
        failsWith(
          'unreachable',
          /^DICOMweb server unreachable at http:\/\/127\.0\.0\.1:\d+\/dicom-web \(.*ECONN/,
        ),
      );
    } finally {
      await source.close();
    }
  });

  test('a series still arriving (fewer instances listed than the series reports) is refused', async () => {
    // Orthanc's own count comes from its index; a capped QIDO page is simulated by a proxy
    // that drops the last instance of the instance list.
    const target = new URL(orthanc.restRoot);
    const proxy = await loopbackServer((req, res) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(chunks);
            if (/\/instances\?/.test(req.url ?? '')) {
              body = Buffer.from(JSON.stringify((JSON.parse(body.toString()) as unknown[]).slice(0, -1)));
            }
            res.writeHead(answer.statusCode ?? 502, {
              'content-type': String(answer.headers['content-type']),
            });
            res.end(body);
          });
        },
      );
      upstream.end();
    });
    cleanups.push(() => proxy.close());
    const source = new DicomWebSource(options(proxy.url));
    try {
      await assert.rejects(
        source.retrieveInstances(studyA.studyInstanceUid, t2.seriesInstanceUid),
        failsWith('mismatch', /QIDO-RS lists 9 instances but the series reports 10/),
      );
    } finally {
      await source.close();
    }
  });
});

// ----- faults from tiny loopback servers ---------------------------------------------------------

describe('DicomWebSource faults', () => {
  const servers: LoopbackServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  async function serve(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<LoopbackServer> {
    const s = await loopbackServer(handler);
    servers.push(s);
    return s;
  }
  const studyUid = studyA.studyInstanceUid;
  const seriesUid = t2.seriesInstanceUid;
  const sopUid = t2Files[0]!.sopInstanceUid;

  test('closed port: "DICOMweb server unreachable at URL"', async () => {
    const port = await closedPort();
    const source = new DicomWebSource(options(`http://127.0.0.1:${port}/dicom-web`, { retries: 0 }));
    await assert.rejects(
      source.findSeries(studyUid),
      failsWith(
        'unreachable',
        new RegExp(
          `^DICOMweb server unreachable at http://127\\.0\\.0\\.1:${port}/dicom-web \\(connect ECONNREFUSED`,
        ),
      ),
    );
    await source.close();
  });

  test('connection failures are retried, then reported', async () => {
    const port = await closedPort();
    const source = new DicomWebSource(
      options(`http://127.0.0.1:${port}/dicom-web`, { retries: 2, retryDelayMs: 50 }),
    );
    const started = performance.now();
    await assert.rejects(source.findSeries(studyUid), failsWith('unreachable', /ECONNREFUSED/));
    assert.ok(performance.now() - started >= 150, 'waited 50 + 100 ms between the three attempts');
    await source.close();
  });

  test('a server that never answers: timeout after the configured time', async () => {
    const silent = await serve(() => undefined);
    const source = new DicomWebSource(options(silent.url, { timeoutMs: 300 }));
    const started = performance.now();
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid, [sopUid]),
      failsWith(
        'timeout',
        /^DICOMweb request timed out after 300 ms: GET http:\/\/127\.0\.0\.1:\d+\/dicom-web\/studies\/.*\(no answer\)$/,
      ),
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `failed after ${Math.round(elapsed)} ms`);
    await source.close();
  });

  test('a server that stalls in the middle of the body: timeout, with the bytes received', async () => {
    const stalling = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MULTIPART_TYPE, 'content-length': '100000' });
      res.write(multipart([t2Files[0]!.bytes]).subarray(0, 500));
    });
    const source = new DicomWebSource(options(stalling.url, { timeoutMs: 300 }));
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid, [sopUid]),
      failsWith('timeout', /timed out after 300 ms.*answer 200 started, 500 bytes received/),
    );
    await source.close();
  });

  test('404 and 500: the status and the URL, with query values redacted', async () => {
    for (const status of [404, 500]) {
      const failing = await serve((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{"Message":"nope"}');
      });
      const source = new DicomWebSource(options(failing.url));
      await assert.rejects(source.findStudies({ patientId: 'SECRET-PATIENT-ID' }), (e: unknown) => {
        failsWith(
          'http-status',
          new RegExp(
            `^DICOMweb server answered ${status} .* to GET http://127\\.0\\.0\\.1:\\d+/dicom-web/studies\\?includefield=…&PatientID=…$`,
          ),
        )(e);
        assert.equal((e as DicomWebError).status, status);
        assert.doesNotMatch((e as Error).message, /SECRET/, 'no Patient ID in the message');
        return true;
      });
      assert.equal(failing.requests.length, 1, 'a 4xx/500 is not retried');
      await source.close();
    }
  });

  test('503 is retried and the next answer is used', async () => {
    let calls = 0;
    const flaky = await serve((_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
    });
    const source = new DicomWebSource(options(flaky.url, { retryDelayMs: 10 }));
    assert.deepEqual(await source.findSeries(studyUid), []);
    assert.equal(calls, 2);
    await source.close();
  });

  test('a multipart body cut in the middle (connection closed): truncated', async () => {
    const cutting = await serve((_req, res) => {
      const body = multipart([t2Files[0]!.bytes]);
      res.writeHead(200, { 'content-type': MULTIPART_TYPE, 'content-length': String(body.length) });
      res.write(body.subarray(0, 700), () => res.destroy());
    });
    const source = new DicomWebSource(options(cutting.url));
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid, [sopUid]),
      failsWith(
        'truncated',
        /^DICOMweb answer truncated: the connection closed after 700 of \d+ announced bytes/,
      ),
    );
    await source.close();
  });

  test('a complete HTTP answer whose multipart lacks its end: truncated (dicomweb-client alone would drop the part)', async () => {
    // Speaks just enough QIDO-RS for a 2-instance series, then sends the series cut short.
    const instance = (f: DicomFile, n: number) => ({
      '00080016': { vr: 'UI', Value: [f.sopClassUid] },
      '00080018': { vr: 'UI', Value: [f.sopInstanceUid] },
      '0020000E': { vr: 'UI', Value: [f.seriesInstanceUid] },
      '00200013': { vr: 'IS', Value: [n + 1] },
    });
    const halfSeries = await serve((req, res) => {
      const url = req.url ?? '';
      if (url.includes('/instances?')) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' });
        res.end(JSON.stringify(t2Files.slice(0, 2).map(instance)));
      } else if (url.includes('/series?')) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' });
        res.end(
          JSON.stringify([
            { '0020000E': { vr: 'UI', Value: [seriesUid] }, '00201209': { vr: 'IS', Value: [2] } },
          ]),
        );
      } else {
        const whole = multipart([t2Files[0]!.bytes, t2Files[1]!.bytes], false);
        const body = whole.subarray(0, whole.length - 300); // second part cut, no closing boundary
        res.writeHead(200, { 'content-type': MULTIPART_TYPE, 'content-length': String(body.length) });
        res.end(body);
      }
    });
    const source = new DicomWebSource(options(halfSeries.url, { seriesRetrieval: 'series' }));
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid),
      failsWith('truncated', /truncated multipart answer .* part 2 is cut off/),
    );
    await source.close();
  });

  test('non-DICOM payloads: an HTML page, and a multipart part that is not Part-10', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    });
    const wrongPart = await serve((_req, res) => {
      res
        .writeHead(200, { 'content-type': MULTIPART_TYPE })
        .end(multipart([new TextEncoder().encode('x'.repeat(200))]));
    });
    for (const [server, message] of [
      [html, /is not multipart\/related DICOM \(Content-Type: text\/html\)/],
      [wrongPart, /part 1 of the WADO-RS answer .* is not DICOM Part-10 \(no DICM prefix, 200 bytes\)/],
    ] as const) {
      const source = new DicomWebSource(options(server.url));
      await assert.rejects(
        source.retrieveInstances(studyUid, seriesUid, [sopUid]),
        failsWith('not-dicom', message),
      );
      await source.close();
    }
  });

  test('garbage labelled multipart: malformed, and the process does not crash', async () => {
    const garbage = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(Buffer.alloc(3000, 0x41));
    });
    const source = new DicomWebSource(options(garbage.url));
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid, [sopUid]),
      failsWith('malformed', /malformed multipart answer .*dicomweb-client could not decode it/),
    );
    await source.close();
  });

  test('a QIDO-RS answer that is not JSON: malformed', async () => {
    const notJson = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    });
    const source = new DicomWebSource(options(notJson.url));
    await assert.rejects(
      source.findSeries(studyUid),
      failsWith('malformed', /is not a DICOM JSON array \(Content-Type: text\/html\)/),
    );
    await source.close();
  });

  test('another instance than the one asked for: mismatch', async () => {
    const wrong = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(multipart([t2Files[1]!.bytes]));
    });
    const source = new DicomWebSource(options(wrong.url));
    await assert.rejects(
      source.retrieveInstances(studyUid, seriesUid, [sopUid]),
      failsWith(
        'mismatch',
        new RegExp(
          `returned instance ${t2Files[1]!.sopInstanceUid.replace(/\./g, '\\.')} .* when ${sopUid.replace(/\./g, '\\.')}`,
        ),
      ),
    );
    await source.close();
  });

  test('redirects are refused, not followed', async () => {
    const elsewhere = await serve((_req, res) => res.writeHead(200).end('[]'));
    const redirecting = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/studies` }).end();
    });
    const source = new DicomWebSource(options(redirecting.url, { retries: 0 }));
    await assert.rejects(
      source.findSeries(studyUid),
      failsWith('redirect', /307 redirect to .*redirects are not followed/),
    );
    assert.equal(elsewhere.requests.length, 0);
    await source.close();
  });

  test('insecure http and malformed UIDs are refused before any request', async () => {
    assert.throws(
      () => new DicomWebSource(options('http://pacs.example.org/dicom-web')),
      failsWith('insecure', /not https/),
    );
    assert.throws(
      () => new DicomWebSource({ ...options('http://127.0.0.1:1/dicom-web'), allowInsecureHttp: false }),
      failsWith('insecure', /not https/),
    );
    const source = new DicomWebSource(options('http://127.0.0.1:1/dicom-web'));
    await assert.rejects(
      source.findSeries('1.2.3/../../x' as StudyUid),
      (e: unknown) => e instanceof DicomError && /not a valid DICOM UID/.test(e.message),
    );
    await assert.rejects(
      source.retrieveInstances(studyUid, '1.2?x=1' as SeriesUid),
      (e: unknown) => e instanceof DicomError && /not a valid DICOM UID/.test(e.message),
    );
    await source.close();
  });

  test('parseMultipart: quoted boundaries, preamble, Content-Length check', () => {
    const body = Buffer.concat([Buffer.from('preamble\r\n'), multipart([new Uint8Array([1, 2, 3])])]);
    const parts = parseMultipart(body, BOUNDARY);
    assert.deepEqual(
      parts.map((p) => [...p.content]),
      [[1, 2, 3]],
    );
    const lying = Buffer.from(`--${BOUNDARY}\r\nContent-Length: 5\r\n\r\nabc\r\n--${BOUNDARY}--`);
    assert.throws(() => parseMultipart(lying, BOUNDARY), /has 3 bytes but its Content-Length says 5/);
  });
});

// ----- FHIR transaction push ---------------------------------------------------------------------

describe('pushFhirBundle', () => {
  let fhir: EmbeddedFhirServer;
  before(async () => {
    fhir = await startEmbeddedFhirServer();
  });
  after(async () => {
    await fhir.close();
  });

  const patientUrl = 'urn:uuid:0b8c6c0e-5a8e-4c57-9d7e-1d3c0f9e0a01';
  function transaction(): Bundle {
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: patientUrl,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'PUSH-1' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:0b8c6c0e-5a8e-4c57-9d7e-1d3c0f9e0a02',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '85337-4' }] },
            subject: { reference: patientUrl },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
  }

  test('a 2-resource transaction is stored and every entry answered 2xx', async () => {
    const reply = await pushFhirBundle(fhir.fhirBaseUrl, transaction(), { allowInsecureHttp: 'loopback' });
    assert.equal(reply.type, 'transaction-response');
    assert.deepEqual(
      reply.entry?.map((e) => e.response?.status),
      ['201', '201'],
    );
    const found = await fetch(`${fhir.fhirBaseUrl}/Patient?identifier=urn:test:mrn|PUSH-1`);
    const bundle = (await found.json()) as Bundle;
    assert.equal(bundle.entry?.length, 1);
  });

  test('a bad entry yields an error naming it', async () => {
    const bad = transaction();
    bad.entry![1]!.request = { method: 'POST', url: 'NoSuchResourceType' };
    await assert.rejects(
      pushFhirBundle(fhir.fhirBaseUrl, bad, { allowInsecureHttp: 'loopback' }),
      (e: unknown) => {
        assert.ok(e instanceof FhirPushError, String(e));
        assert.equal(e.entryIndex, 1);
        assert.match(
          e.message,
          /entry #1 Observation \(POST NoSuchResourceType, urn:uuid:0b8c6c0e-5a8e-4c57-9d7e-1d3c0f9e0a02\)/,
        );
        assert.match(e.message, /\b4\d\d\b/);
        return true;
      },
    );
  });

  test('refused before sending: not a transaction, or plain http where it is not allowed', async () => {
    await assert.rejects(
      pushFhirBundle(
        fhir.fhirBaseUrl,
        { ...transaction(), type: 'batch' },
        { allowInsecureHttp: 'loopback' },
      ),
      /not a transaction Bundle/,
    );
    await assert.rejects(
      pushFhirBundle(fhir.fhirBaseUrl, transaction(), { allowInsecureHttp: false }),
      /not https/,
    );
  });

  test('an unreachable FHIR server', async () => {
    const port = await closedPort();
    await assert.rejects(
      pushFhirBundle(`http://127.0.0.1:${port}/fhir/R4`, transaction(), { allowInsecureHttp: 'loopback' }),
      /FHIR server unreachable at http:\/\/127\.0\.0\.1:\d+\/fhir\/R4/,
    );
  });
});
