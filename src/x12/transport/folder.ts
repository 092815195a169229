/**
 * Clearinghouse exchange by folders (the SFTP leg itself stays outside): outbound batches are
 * written atomically (a hidden temporary file, fsync, rename: a reader never sees half a file),
 * inbound files are picked up once (renamed into `processing/` first, so two pickers cannot both
 * take one), applied (999, 277CA, 835 through `ingestX12`), then moved to `archive/` (or
 * `rejected/` when unreadable). A file whose content was received before (picked up, or in an
 * HTTPS response: `ingestX12Once`) is archived without being applied again: an 835 is never posted twice.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue } from '../../domain/issues.js';
import type { Store } from '../../store/index.js';
import { ingestX12Once, type Ingested } from '../ingest.js';

/** Write `text` as `dir/name` atomically. */
export function dropFile(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const target = join(dir, name);
  renameSync(tmp, target);
  return target;
}

export interface PickedUp {
  name: string;
  outcome: 'applied' | 'duplicate' | 'rejected';
  result?: Ingested | undefined;
  issues: Issue[];
}

/** Pick up every file in `inbox` (not dot files), apply it once, and archive it. */
export async function pickUp(inbox: string, store: Store, now: Date): Promise<PickedUp[]> {
  const processing = join(inbox, 'processing');
  const archive = join(inbox, 'archive');
  const rejected = join(inbox, 'rejected');
  for (const d of [processing, archive, rejected]) mkdirSync(d, { recursive: true });
  const out: PickedUp[] = [];
  const names = readdirSync(inbox, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const name of names) {
    const mine = join(processing, name);
    try {
      renameSync(join(inbox, name), mine); // the claim on the file: only one picker's rename succeeds
    } catch {
      continue;
    }
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const r = await ingestX12Once(readFileSync(mine, 'utf8'), name, store, now);
    renameSync(mine, join(r.outcome === 'rejected' ? rejected : archive, `${stamp}-${r.outcome === 'duplicate' ? 'duplicate-' : ''}${name}`));
    out.push({ name, ...r });
  }
  return out;
}
