import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `entry`. Under tsx the worker must load
 * TypeScript: on Node 20 `--import` in a worker's execArgv does not apply to its entry module, so
 * a `.ts` entry boots from a tiny script that registers tsx's ESM loader (resolved from this
 * module, not the working folder) and then imports the entry.
 */
export function startModuleWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsx)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
