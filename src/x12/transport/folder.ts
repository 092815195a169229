/**
 * Clearinghouse exchange by folders (the SFTP leg itself stays outside): outbound batches are
 * written atomically (a hidden temporary file, fsync, rename: a reader never sees half a file),
 * inbound files are picked up once (renamed into `processing/` first, so two pickers cannot both
 * take one), applied (999, 277CA, 835 through `ingestX12`), then moved to `archive/` (or
 * `rejected/` when unreadable). A file whose content was picked up before is archived without
 * being applied again: an 835 is never posted twice.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import type { Store } from '../../store/index.js';
import { ingestX12, type Ingested } from '../ingest.js';

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
    const text = readFileSync(mine, 'utf8');
    const sha = createHash('sha256').update(text).digest('hex');
    if (!(await store.x12.claimInboundFile(sha, name, now))) {
      renameSync(mine, join(archive, `${stamp}-duplicate-${name}`));
      out.push({ name, outcome: 'duplicate', issues: [issue('DUPLICATE_CONFLICT', `${name} has the content of a file picked up before; it is archived, not applied again.`, name, 'warning')] });
      continue;
    }
    const r = await ingestX12(text, store, now);
    const ok = r.value !== undefined && !hasErrors(r.issues);
    await store.x12.finishInboundFile(sha, r.value?.kind, ok ? 'applied' : 'rejected');
    renameSync(mine, join(ok ? archive : rejected, `${stamp}-${name}`));
    out.push({ name, outcome: ok ? 'applied' : 'rejected', result: r.value, issues: r.issues });
  }
  return out;
}
