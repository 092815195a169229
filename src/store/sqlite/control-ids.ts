/**
 * Durable MSH-10 control ids for generated HL7v2 (table hl7_control_ids, migration 120, sqlite/migrations).
 * A control id is the destination's prefix plus a sequence number that SQLite's AUTOINCREMENT
 * never reuses; it is committed with the outbox row it belongs to (the caller's transaction), so
 * it survives a restart, and asking again for the same item key returns the same id.
 */
import type { Db } from './db.js';
import type { ControlIdRequest, ControlIdRow } from '../control-ids.js';
import { stmt } from './statements.js';

/** The control id of this item: the one allocated before, or a new one. */
export function allocateControlId(db: Db, r: ControlIdRequest, now: Date = new Date()): string {
  const known = stmt(db, 'SELECT control_id FROM hl7_control_ids WHERE item_key = ?').get(r.itemKey) as { control_id: string } | undefined;
  if (known) return known.control_id;
  // The sequence number is only known after the insert: insert a placeholder unique to this key, then set the id.
  const ins = stmt(db, 'INSERT INTO hl7_control_ids (item_key, destination, control_id, message_type, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(r.itemKey, r.destination, `pending:${r.itemKey}`, r.messageType, now.toISOString());
  const seq = Number(ins.lastInsertRowid);
  const controlId = `${r.prefix}${seq}`;
  stmt(db, 'UPDATE hl7_control_ids SET control_id = ? WHERE seq = ?').run(controlId, seq);
  return controlId;
}

/** Every control id allocated, oldest first (operator view and tests). */
export function listControlIds(db: Db, destination?: string): ControlIdRow[] {
  const rows = (destination === undefined
    ? stmt(db, 'SELECT * FROM hl7_control_ids ORDER BY seq').all()
    : stmt(db, 'SELECT * FROM hl7_control_ids WHERE destination = ? ORDER BY seq').all(destination)) as Array<{ seq: number; item_key: string; destination: string; control_id: string; message_type: string; created_at: string }>;
  return rows.map((x) => ({ seq: x.seq, itemKey: x.item_key, destination: x.destination, controlId: x.control_id, messageType: x.message_type, createdAt: x.created_at }));
}
