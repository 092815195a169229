/**
 * Durable MSH-10 control ids for generated HL7v2 (table hl7_control_ids) on PostgreSQL. The
 * sequence is an identity column (never reused); the item key makes allocation idempotent, also
 * between two instances that allocate for the same item at once (the unique key decides).
 */
import type { Queryable } from './db.js';
import type { ControlIdRequest, ControlIdRow } from '../control-ids.js';

export async function allocateControlId(db: Queryable, r: ControlIdRequest, now: Date = new Date()): Promise<string> {
  const known = (await db.query<{ control_id: string }>('SELECT control_id FROM hl7_control_ids WHERE item_key = $1', [r.itemKey])).rows[0];
  if (known) return known.control_id;
  // The number comes from the identity sequence, taken first so the id can be written in the insert.
  const ins = await db.query<{ control_id: string }>(
    `INSERT INTO hl7_control_ids (seq, item_key, destination, control_id, message_type, created_at)
     SELECT s.seq, $1, $2, $3 || s.seq, $4, $5 FROM (SELECT nextval(pg_get_serial_sequence('hl7_control_ids', 'seq')) AS seq) s
     ON CONFLICT (item_key) DO NOTHING RETURNING control_id`,
    [r.itemKey, r.destination, r.prefix, r.messageType, now.toISOString()],
  );
  if (ins.rows[0]) return ins.rows[0].control_id;
  return (await db.query<{ control_id: string }>('SELECT control_id FROM hl7_control_ids WHERE item_key = $1', [r.itemKey])).rows[0]!.control_id;
}

export async function listControlIds(db: Queryable, destination?: string): Promise<ControlIdRow[]> {
  const rows = (destination === undefined
    ? await db.query('SELECT * FROM hl7_control_ids ORDER BY seq')
    : await db.query('SELECT * FROM hl7_control_ids WHERE destination = $1 ORDER BY seq', [destination])).rows as Array<{ seq: number; item_key: string; destination: string; control_id: string; message_type: string; created_at: string }>;
  return rows.map((x) => ({ seq: x.seq, itemKey: x.item_key, destination: x.destination, controlId: x.control_id, messageType: x.message_type, createdAt: x.created_at }));
}
