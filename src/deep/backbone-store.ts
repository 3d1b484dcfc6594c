/**
 * The backbone store: a folder of ONNX feature extractors, each beside a `<file>.sha256` naming
 * its digest. A model bundle pins its backbone by SHA-256 (manifest `deepBackbone`), so the
 * service finds the file by digest here rather than by name; the demo backbone is generated into
 * the store when asked for (nothing is downloaded). Backbones are opened once and shared.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BackboneError, ensureDemoBackbone, loadBackbone, type Backbone } from './backbone.ts';

export class BackboneStore {
  private readonly open = new Map<string, Promise<Backbone>>();

  constructor(readonly dir: string) {}

  /** The backbone whose bytes have this SHA-256, opened and checked. */
  get(sha256: string): Promise<Backbone> {
    const key = sha256.toLowerCase();
    let backbone = this.open.get(key);
    if (!backbone) {
      backbone = this.find(key).then((file) => loadBackbone(file, key));
      // A failed lookup is not cached: the file may be added and the next call find it.
      backbone.catch(() => this.open.delete(key));
      this.open.set(key, backbone);
    }
    return backbone;
  }

  private async find(sha256: string): Promise<string> {
    const listed = existsSync(this.dir) ? await readdir(this.dir) : [];
    for (const name of listed.filter((n) => n.endsWith('.sha256'))) {
      const recorded = (await readFile(path.join(this.dir, name), 'utf8')).trim().toLowerCase();
      const file = path.join(this.dir, name.slice(0, -'.sha256'.length));
      if (recorded === sha256 && existsSync(file)) return file;
    }
    // The demo backbone is generated deterministically: build it and see whether it is the one.
    const demo = await ensureDemoBackbone(this.dir);
    if (demo.sha256 === sha256) return demo.path;
    throw new BackboneError(
      `no backbone with SHA-256 ${sha256} in ${this.dir}; place its ONNX file there with a <file>.sha256 beside it`,
    );
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const b of all) await (await b.catch(() => undefined))?.close();
  }
}
