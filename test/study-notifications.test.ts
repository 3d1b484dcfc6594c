/**
 * The PACS announcing studies: the study-stable webhook (authentication, bad bodies, a queued
 * job, every call audited) and QIDO-style polling queuing each new study once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { startService, type RunningService } from '../src/http/service.ts';
import { startStudyPolling } from '../src/jobs/study-notifications.ts';
import { writeCohort } from '../src/synth/cohort-writer.ts';
import { createLogger } from '../src/util/logger.ts';

const TOKEN = 'pacs-webhook-secret-0123456789';

describe('study notifications', () => {
  let dir: string;
  let running: RunningService;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-notify-'));
    await writeCohort({
      patients: 1,
      seed: 'study-notifications',
      outDir: path.join(dir, 'cohort'),
      size: 'small',
    });
    const config = loadConfig({
      env: {},
      overrides: {
        demo: { enabled: false },
        service: { port: 0 },
        store: { sqlitePath: path.join(dir, 'axilla.sqlite') },
        imaging: { source: { kind: 'folder', dir: path.join(dir, 'cohort', 'dicom') }, webhookToken: TOKEN },
        models: { active: 'radiomics-clinical-synthetic' },
        logging: { level: 'silent' },
      },
    });
    running = await startService(config, createLogger('silent'));
  });
  after(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, token?: string) =>
    fetch(`${running.baseUrl}/pacs/study-stable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('refuses a missing or wrong token and a body without a Study Instance UID, auditing each', async () => {
    assert.equal((await post({ StudyInstanceUID: '1.2.3' })).status, 401);
    assert.equal((await post({ StudyInstanceUID: '1.2.3' }, 'wrong-token-0123456789')).status, 401);
    assert.equal((await post({ nothing: true }, TOKEN)).status, 400);
    assert.equal((await post({ StudyInstanceUID: 'not a uid' }, TOKEN)).status, 400);
    const outcomes = running.store.query({ kind: 'study-notification' }).map((e) => e.outcome);
    assert.deepEqual(outcomes.sort(), ['bad-request', 'bad-request', 'unauthorized', 'unauthorized']);
  });

  it('queues a job for a study and records what it found (no FHIR server for background jobs here)', async () => {
    const [study] = await running.imaging!.source.findStudies({ patientId: 'SYN0001' });
    const answer = await post({ MainDicomTags: { StudyInstanceUID: study!.studyInstanceUid } }, TOKEN);
    assert.equal(answer.status, 202);
    const body = (await answer.json()) as { jobId: number };
    assert.ok(body.jobId > 0);
    await running.imaging!.idle();
    const recorded = running.store
      .query({ kind: 'study-notification' })
      .find((e) => e.outcome === 'recorded' && e.detail.jobId === body.jobId);
    assert.ok(recorded, 'the job ran and recorded its outcome');
    assert.equal(recorded.patientId, 'SYN0001');
    assert.match(String(recorded.detail.why), /no FHIR server is configured/);
  });

  it('polling queues each study once', async () => {
    // The synthetic studies are years old: look back far enough to see both.
    const polling = startStudyPolling(running.imaging!, {
      seconds: 3600,
      lookbackDays: 20_000,
      logger: createLogger('silent'),
    });
    try {
      assert.equal(await polling.pollOnce(), 2, 'the pre- and post-NAT studies');
      assert.equal(await polling.pollOnce(), 0, 'nothing new');
    } finally {
      polling.stop();
    }
    await running.imaging!.idle();
  });
});
