/**
 * Clearinghouse by folder: a payload (an 837P batch, a 270, or a FHIR claim Bundle) is written as
 * one file into the destination's outbox folder, atomically (src/x12/transport/folder.ts: hidden
 * temporary file, fsync, rename), for the SFTP leg outside Frontdesk to carry. The file name comes
 * from the outbox item's idempotency key, so a retry after a crash writes the same file again
 * rather than a second batch. A write that fails (disk full, no permission) is transient: retried.
 */
import type { OutboxItem } from '../store/index.js';
import { dropFile } from '../x12/transport/folder.js';
import { delivered, failed, type AttemptOutcome } from '../delivery/outcome.js';

/** `x12:clearinghouse:000000007` -> `x12-clearinghouse-000000007.x12`. */
export function dropName(item: Pick<OutboxItem, 'idempotencyKey' | 'contentType'>): string {
  const base = item.idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 120) || 'payload';
  return `${base}.${/x12/i.test(item.contentType ?? '') ? 'x12' : 'json'}`;
}

export class FolderDropClient {
  constructor(readonly dir: string) {}

  deliver(item: Pick<OutboxItem, 'idempotencyKey' | 'contentType' | 'payload'>): AttemptOutcome {
    try {
      const path = dropFile(this.dir, dropName(item), item.payload);
      return delivered('written', path);
    } catch (e) {
      return failed('DELIVERY_TRANSIENT', `folder write failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
    }
  }
}
