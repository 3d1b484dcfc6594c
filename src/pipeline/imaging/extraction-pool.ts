/**
 * Radiomics extraction on worker threads, so the (time point, sequence) ROIs of one prediction
 * are extracted in parallel and the hook's event loop stays free for cached answers while a job
 * runs. Each worker runs the one extractor (src/radiomics/extractor.ts) on the volumes it is
 * sent; results are the same numbers as in-process extraction.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import type { Mask, Volume } from '../../imaging/volume.ts';
import { extractFeatures } from '../../radiomics/extractor.ts';
import type { ExtractionSettings } from '../../radiomics/settings.ts';
import { startModuleWorker } from '../../util/module-worker.ts';

const ROLE = 'axilla-imaging-extraction';

interface Request {
  id: number;
  image: Volume;
  mask: Mask;
  settings: ExtractionSettings;
}

type Reply =
  { id: number; features: Record<string, number> } | { id: number; error: string; errorName: string };

export interface ExtractionPool {
  extract(image: Volume, mask: Mask, settings: ExtractionSettings): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** An error raised inside a worker, with the original error's name and message. */
export class WorkerExtractionError extends Error {
  constructor(
    message: string,
    readonly originalName: string,
  ) {
    super(message);
    this.name = 'WorkerExtractionError';
  }
}

/** `size` workers, each extracting one ROI at a time; requests wait for a free worker. */
export function createExtractionPool(size: number): ExtractionPool {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: (() => void)[] = [];
  const pending = new Map<
    number,
    { resolve: (f: Record<string, number>) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let closed = false;

  for (let i = 0; i < size; i += 1) {
    const worker = startModuleWorker(new URL(import.meta.url), { role: ROLE });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      idle.push(worker);
      waiting.shift()?.();
      if (!p) return;
      if ('error' in reply) p.reject(new WorkerExtractionError(reply.error, reply.errorName));
      else p.resolve(reply.features);
    });
    worker.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    all.push(worker);
    idle.push(worker);
  }

  const acquire = async (): Promise<Worker> => {
    while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    return idle.pop()!;
  };

  return {
    async extract(image, mask, settings) {
      if (closed) throw new Error('the extraction pool is closed');
      const worker = await acquire();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Worker threads need their own ref while work is outstanding.
        worker.ref();
        const request: Request = { id, image, mask, settings };
        worker.postMessage(request);
      }).finally(() => worker.unref()) as Promise<Record<string, number>>;
    },
    async close() {
      closed = true;
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}

// Worker entry: one extraction per message.
if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort;
  port.on('message', (req: Request) => {
    let reply: Reply;
    try {
      reply = { id: req.id, features: extractFeatures(req.image, req.mask, req.settings) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = { id: req.id, error: e.message, errorName: e.name };
    }
    port.postMessage(reply);
  });
}
