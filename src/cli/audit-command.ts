import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { SqliteStore } from '../store/sqlite-store.ts';
import { CliError } from './cli-error.ts';
import { configFromOptions, parseFormat } from './config-option.ts';

function openStore(opts: { config?: string; store?: string }): SqliteStore {
  const file = opts.store ?? configFromOptions(opts).store.sqlitePath;
  if (!existsSync(file)) throw new CliError(`no audit store at ${file}`);
  return new SqliteStore(file);
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('inspect and verify the audit trail');

  audit
    .command('verify')
    .description('recompute the hash chain of the audit trail; exit 1 if any record was altered or removed')
    .option('--config <file>', 'configuration file naming the store')
    .option('--store <file>', 'SQLite store file (overrides the configuration)')
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action((opts: { config?: string; store?: string; format: 'json' | 'text' }) => {
      const store = openStore(opts);
      try {
        const result = store.verifyChain();
        if (opts.format === 'json') process.stdout.write(`${JSON.stringify(result)}\n`);
        else if (result.ok)
          process.stdout.write(
            `audit trail intact: ${result.records} records, last hash ${result.lastHash}\n`,
          );
        else
          process.stdout.write(
            `audit trail BROKEN at record ${result.brokenAtSeq}: ${result.reason} (${result.records} records verified before it)\n`,
          );
        if (!result.ok) process.exitCode = 1;
      } finally {
        store.close();
      }
    });

  audit
    .command('list')
    .description('show recent audit records, newest first')
    .option('--config <file>', 'configuration file naming the store')
    .option('--store <file>', 'SQLite store file (overrides the configuration)')
    .option('--patient <id>', 'only records of this patient')
    .option('--hook-instance <uuid>', 'only records of this hook call')
    .option(
      '--limit <n>',
      'at most this many records',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a positive integer, got ${v}`);
        return n;
      },
      20,
    )
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action(
      (opts: {
        config?: string;
        store?: string;
        patient?: string;
        hookInstance?: string;
        limit: number;
        format: 'json' | 'text';
      }) => {
        const store = openStore(opts);
        try {
          const entries = store.query({
            ...(opts.patient ? { patientId: opts.patient } : {}),
            ...(opts.hookInstance ? { hookInstance: opts.hookInstance } : {}),
            limit: opts.limit,
          });
          if (opts.format === 'json') {
            process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
            return;
          }
          for (const e of entries) {
            const model = e.model ? ` ${e.model.id}@${e.model.version} ${e.model.digest.slice(0, 12)}` : '';
            const output = (e.detail.output as { probability?: number } | undefined)?.probability;
            process.stdout.write(
              `#${e.seq} ${e.recordedAt} ${e.kind} ${e.outcome}${e.serviceId ? ` ${e.serviceId}` : ''}${
                e.patientId ? ` patient=${e.patientId}` : ''
              }${model}${output !== undefined ? ` p=${output.toFixed(4)}` : ''}${
                typeof e.detail.reason === 'string' ? ` — ${e.detail.reason}` : ''
              }\n`,
            );
          }
        } finally {
          store.close();
        }
      },
    );
}
