import type { Command } from 'commander';
import type { AxillaConfig } from '../config/config.ts';
import { loadOrCreateEhrKey } from '../demo/demo-ehr.ts';
import { demoPatients } from '../demo/demo-cohort.ts';
import { sendDemoHooks, type DemoCall } from '../demo/send-demo-hooks.ts';
import { startService, type RunningService } from '../http/service.ts';
import { createLogger } from '../util/logger.ts';
import { CliError } from './cli-error.ts';
import { configFromOptions, parseFormat } from './config-option.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'act as the demo EHR: sign and send an order-sign hook for each demo patient and print the cards',
    )
    .option('--config <file>', 'configuration file (default: embedded defaults)')
    .option('--patient <id>', 'only this demo patient (SYN0001…, demo-missing-er, demo-contradictory-her2)')
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action(async (opts: { config?: string; patient?: string; format: 'json' | 'text' }) => {
      const config = configFromOptions(opts);
      if (!config.demo.enabled)
        throw new CliError('the demo needs demo.enabled (the embedded defaults have it)');
      const all = await demoPatients({
        dir: config.demo.cohortDir,
        patients: config.demo.cohortPatients,
        seed: config.demo.cohortSeed,
      });
      const patients = opts.patient ? all.filter((p) => p.id === opts.patient) : all;
      if (patients.length === 0) throw new CliError(`no demo patient ${opts.patient}`);

      // Use a service that is already running (npm start); otherwise run one for the demo.
      let running: RunningService | undefined;
      if (!(await reachable(`${config.service.baseUrl}/healthz`))) {
        running = await startService(config, createLogger('warn'));
      }
      try {
        const fhirOrigin = running?.demo?.fhir.origin ?? `http://127.0.0.1:${config.demo.fhirPort}`;
        const calls = await sendDemoHooks({
          baseUrl: running?.baseUrl ?? config.service.baseUrl.replace(/\/+$/, ''),
          fhirBaseUrl: `${fhirOrigin}/fhir/R4`,
          issuer: fhirOrigin,
          ehrKey: running?.demo?.ehrKey ?? (await loadOrCreateEhrKey(config.demo.ehrKeyDir)),
          patients,
        });
        process.stdout.write(
          opts.format === 'json' ? `${JSON.stringify(calls, null, 2)}\n` : renderText(calls, config),
        );
        if (calls.some((c) => c.status !== 200)) throw new CliError('a demo hook call did not answer 200', 1);
      } finally {
        await running?.close();
      }
    });
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

interface CardLike {
  summary: string;
  detail?: string;
  indicator: string;
  source: { label: string };
}

function renderText(calls: DemoCall[], config: AxillaConfig): string {
  const out: string[] = [];
  for (const c of calls) {
    out.push(`━━ ${c.patientId} — ${c.story}`, `   HTTP ${c.status}`);
    const cards = ((c.body as { cards?: CardLike[] } | undefined)?.cards ?? []) as CardLike[];
    for (const card of cards) {
      out.push(`   [${card.indicator}] ${card.summary}`, `   source: ${card.source.label}`, '');
      out.push(...(card.detail ?? '').split('\n').map((l) => `     ${l}`));
    }
    if (c.status !== 200) out.push(`   ${JSON.stringify(c.body)}`);
    out.push('');
  }
  out.push(
    `Every call above is in the audit trail: npm run axilla -- audit list (store ${config.store.sqlitePath}).`,
    '',
  );
  return out.join('\n');
}
