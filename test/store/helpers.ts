/** A fresh store in a temporary directory (a schema on the PostgreSQL leg: ../support/engine.ts), opened through openStore like the gateway does. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../support/engine.js';

export interface TempStore {
  store: Store;
  path: string;
  /** Close and open the same file again (durability checks). */
  reopen(): Promise<Store>;
  close(): Promise<void>;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'frontdesk-store-'));
  const path = join(dir, 'fd.db');
  const t: TempStore = {
    store: openTestStore(path),
    path,
    async reopen() {
      await t.store.close();
      t.store = openTestStore(path);
      return t.store;
    },
    async close() {
      await t.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export const T0 = new Date('2026-03-02T10:00:00.000Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** A minimal HL7v2 message row. */
export const newMessage = (controlId: string, channel = 'c1', type = 'ADT^A04') => ({
  channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw: `MSH|${controlId}`, contentHash: `h-${controlId}`, controlId, messageType: type, ackMode: 'original' as const,
});
