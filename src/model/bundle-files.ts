/**
 * Reads the files a manifest lists and checks each against its SHA-256. The bytes that were
 * hashed are the bytes handed on (to onnxruntime, to the extractor), so a file swapped between
 * the check and its use cannot slip through.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { sha256Hex } from './digest.ts';
import type { BundleFile } from './manifest.ts';

export class BundleFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleFileError';
  }
}

/** Reads every listed file, refusing the first that is missing, outside the folder or altered. */
export async function readVerifiedFiles(
  dir: string,
  files: readonly BundleFile[],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const file of files) {
    const bytes = await readBundleFile(dir, file.path);
    const actual = sha256Hex(bytes);
    if (actual !== file.sha256) {
      throw new BundleFileError(
        `file "${file.path}" does not match its SHA-256 in manifest.json (expected ${file.sha256}, found ${actual})`,
      );
    }
    out.set(file.path, bytes);
  }
  return out;
}

/**
 * Reads `path` (relative, '/'-separated) inside the bundle folder `dir`. The manifest schema
 * already forbids "..", but a symbolic link could still lead out of the folder, so the resolved
 * real path is checked too.
 */
export async function readBundleFile(dir: string, path: string): Promise<Uint8Array> {
  const root = await realpath(dir);
  let real: string;
  try {
    real = await realpath(resolve(root, path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BundleFileError(`file "${path}" listed in manifest.json is missing`);
    }
    throw new BundleFileError(`file "${path}" cannot be read: ${(e as Error).message}`);
  }
  if (!real.startsWith(root + sep))
    throw new BundleFileError(`file "${path}" resolves outside the bundle folder`);
  if (!(await stat(real)).isFile()) throw new BundleFileError(`file "${path}" is not a regular file`);
  return new Uint8Array(await readFile(real));
}
