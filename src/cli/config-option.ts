import { ConfigError, loadConfig, type AxillaConfig } from '../config/config.ts';
import { CliError } from './cli-error.ts';

/** Loads the configuration for a command, turning configuration errors into one-line refusals. */
export function configFromOptions(
  opts: { config?: string },
  overrides: Record<string, unknown> = {},
): AxillaConfig {
  try {
    return loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--port must be an integer from 0 to 65535, got ${value}`);
  return n;
}

export function parseFormat(value: string): 'json' | 'text' {
  if (value !== 'json' && value !== 'text') throw new CliError(`--format must be json or text, got ${value}`);
  return value;
}
