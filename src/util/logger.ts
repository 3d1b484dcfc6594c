import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The service's structured logger. Log lines carry ids, outcomes and reasons but never patient
 * identifiers or tokens (DESIGN §6 rule 4): those live only in the audit store.
 */
export function createLogger(level: string = process.env.AXILLA_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'axilla-cds' },
    redact: {
      paths: ['req.headers.authorization', '*.authorization', '*.access_token', '*.token'],
      remove: true,
    },
  });
}

/** A logger that discards everything, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
