import { expect } from 'chai';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import { openDatabase, type Db } from '../../src/store/sqlite/db.js';
import { attemptsOf, countMessages, countsByChannelAndState, findByControlId, getMessage, insertMessage, listMessages, matchingIds, pendingIds, recordOutcome, resetForReplay } from '../../src/store/sqlite/messages.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { findByIdentifier, getResource, loadSearchIndex, officeRecordsOf, replaceOfficeRecords, upsertResource } from '../../src/store/sqlite/resources.js';
import { tempDir } from '../support/gateway.js';

describe('store: messages and resources (migration 1) on a real SQLite file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  const add = (controlId: string, channel = 'c1', type = 'ADT^A04') =>
    insertMessage(db, { channel, source: 'mllp', contentType: 'hl7v2', raw: `MSH|${controlId}`, contentHash: `h-${controlId}`, controlId, messageType: type, ackMode: 'original' });

  // The engine's functions are called directly here: the search index they write is loaded first, as the Store does on its first write.
  before(() => loadSearchIndex());
  beforeEach(() => {
    tmp = tempDir();
    db = openDatabase(join(tmp.dir, 'fd.db'));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('runs in WAL mode with synchronous=FULL and records the migration', () => {
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(db.pragma('synchronous', { simple: true })).to.equal(2);
    const ids = (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
    expect(ids[0]).to.equal(1);
  });

  it('writes every field of a new message to its own column (#17: the INSERT binds them by position)', () => {
    const at = new Date('2026-12-07T20:20:00.123Z');
    const first = add('CTL-1', 'ch');
    const id = insertMessage(db, {
      channel: 'ch', source: 'mllp', peer: '10.0.0.9:4000', contentType: 'hl7v2', raw: 'MSH|^~\\&|RAW', rawBytes: Buffer.from([0x4d, 0xe9]),
      charset: '8859/1', contentHash: 'hash-1', controlId: 'CTL-1', messageType: 'ADT^A08', hl7Version: '2.4', sendingApplication: 'APP',
      sendingFacility: 'FAC', summary: { segments: 3, segmentNames: ['MSH', 'EVN', 'PID'] }, patientMrn: 'MRN-7', patientName: 'Doe^Jane',
      ackMode: 'enhanced', duplicateOf: first, issues: [{ severity: 'warning', code: 'processing', diagnostics: 'dup' }], commitAck: { code: 'CA', text: 'MSH|CA-TEXT' },
    }, at);
    const row = db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as Record<string, unknown>;
    expect({ ...row, raw_bytes: (row.raw_bytes as Buffer).toString('hex') }).to.include({
      channel: 'ch', source: 'mllp', peer: '10.0.0.9:4000', content_type: 'hl7v2', received_at: at.toISOString(), control_id: 'CTL-1',
      message_type: 'ADT^A08', hl7_version: '2.4', sending_application: 'APP', sending_facility: 'FAC', content_hash: 'hash-1',
      raw: 'MSH|^~\\&|RAW', raw_bytes: '4de9', charset: '8859/1', summary: JSON.stringify({ segments: 3, segmentNames: ['MSH', 'EVN', 'PID'] }),
      patient_mrn: 'MRN-7', patient_name: 'DOE^JANE', ack_mode: 'enhanced', state: 'received', duplicate_of: first,
      issues: JSON.stringify([{ severity: 'warning', code: 'processing', diagnostics: 'dup' }]), commit_ack_code: 'CA', commit_ack: 'MSH|CA-TEXT',
      updated_at: at.toISOString(),
    });
  });

  it('re-opening applies nothing twice (forward-only migrations)', () => {
    db.close();
    db = openDatabase(join(tmp.dir, 'fd.db'));
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations WHERE id = 1').get() as { n: number }).n).to.equal(1);
  });

  it('keeps processing state and acknowledgment outcome apart', () => {
    const id = add('A');
    let m = getMessage(db, id)!;
    expect(m.state).to.equal('received');
    expect(m.ackCode).to.equal(null);
    recordOutcome(db, id, { state: 'error', issues: [], ackCode: 'AE', ack: 'MSH|...' });
    m = getMessage(db, id)!;
    expect([m.state, m.ackCode]).to.deep.equal(['error', 'AE']);
    expect(resetForReplay(db, id)).to.equal(true);
    m = getMessage(db, id)!;
    expect([m.state, m.ackCode]).to.deep.equal(['received', 'AE']);
  });

  it('finds earlier rows by channel and control id', () => {
    add('X', 'c1');
    add('X', 'c2');
    expect(findByControlId(db, 'c1', 'X')).to.have.length(1);
    expect(findByControlId(db, 'c1', 'Y')).to.have.length(0);
  });

  it('the exact-resend look-up (channel and control id) is one probe of the control id index, with many rows in the channel (#17: no (channel, control_id) index to write per insert)', () => {
    db.transaction(() => { for (let i = 0; i < 5000; i++) add(`M${i}`, 'c1'); })();
    db.exec('ANALYZE');
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexes).to.not.include('messages_control_id');
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT id, content_hash, state, ack_code, ack, commit_ack, duplicate_of FROM messages WHERE channel = ? AND control_id = ? ORDER BY id').all('c1', 'M7') as Array<{ detail: string }>).map((r) => r.detail);
    expect(plan.join('; ')).to.match(/SEARCH messages USING INDEX messages_control_id_any_channel \(control_id=\?\)/);
    expect(findByControlId(db, 'c1', 'M4321').map((r) => r.contentHash)).to.deep.equal(['h-M4321']);
  });

  it('lists, counts and filters (state, channel, type prefix, control id, date), newest first', () => {
    const a = add('A', 'c1', 'ADT^A04');
    add('B', 'c2', 'ORU^R01');
    const c = add('C', 'c1', 'ADT^A08');
    recordOutcome(db, a, { state: 'processed', issues: [] });
    expect(listMessages(db).map((m) => m.controlId)).to.deep.equal(['C', 'B', 'A']);
    expect(countMessages(db, { channel: 'c1' })).to.equal(2);
    expect(countMessages(db, { messageType: 'ADT' })).to.equal(2);
    expect(countMessages(db, { messageType: 'ADT^A08' })).to.equal(1);
    expect(countMessages(db, { state: 'processed' })).to.equal(1);
    expect(countMessages(db, { since: '2000-01-01T00:00:00.000Z', until: '2999-01-01T00:00:00.000Z' })).to.equal(3);
    expect(countMessages(db, { since: '2999-01-01T00:00:00.000Z' })).to.equal(0);
    expect(listMessages(db, { limit: 1, offset: 1 }).map((m) => m.controlId)).to.deep.equal(['B']);
    expect(matchingIds(db, { channel: 'c1' })).to.deep.equal([a, c]);
    expect(pendingIds(db)).to.deep.equal([a + 1, c]);
    expect(countsByChannelAndState(db)).to.deep.include({ channel: 'c1', state: 'processed', count: 1 });
  });

  it('upserts resources by type and id: created, unchanged, updated', () => {
    const p: Patient = { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:mrn', value: 'M1' }] };
    expect(upsertResource(db, p, null).outcome).to.equal('created');
    expect(upsertResource(db, p, null)).to.include({ outcome: 'unchanged', versionId: 1 });
    expect(upsertResource(db, { ...p, gender: 'female' } as Patient, null)).to.include({ outcome: 'updated', versionId: 2 });
    expect((getResource(db, 'Patient', 'p1')!.resource as Patient).gender).to.equal('female');
    expect(findByIdentifier(db, 'Patient', 'urn:mrn', 'M1')).to.deep.equal(['p1']);
    expect(findByIdentifier(db, 'Patient', undefined, 'M1')).to.deep.equal(['p1']);
    expect(findByIdentifier(db, 'Patient', 'urn:other', 'M1')).to.deep.equal([]);
  });

  it('replaces the office records of a message (a replay does not add copies)', () => {
    const id = add('O');
    replaceOfficeRecords(db, id, [{ recordType: 'a' }, { recordType: 'b' }]);
    replaceOfficeRecords(db, id, [{ recordType: 'a' }, { recordType: 'b' }]);
    expect(officeRecordsOf(db, id)).to.deep.equal([{ recordType: 'a' }, { recordType: 'b' }]);
  });
});

describe('store: migration 4 moves the HTTP status out of ack_code', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => { db.close(); tmp.cleanup(); });

  it('keeps rows stored before it readable: the status in http_status, the body alone (http_body after migration 5), HL7 rows untouched', () => {
    const file = join(tmp.dir, 'old.db');
    // A store as it was before migration 4, with an office post, a FHIR post and an HL7 message answered then.
    db = openDatabase(file, MIGRATIONS.filter((m) => m.id !== 4 && m.id !== 5));
    const body = { resourceType: 'Bundle', type: 'collection', entry: [] };
    const office = insertMessage(db, { channel: 'office-api', source: 'http', contentType: 'office', raw: '{}', contentHash: 'h1', ackMode: 'none' });
    db.prepare("UPDATE messages SET state = 'processed', ack_code = '201', ack = ? WHERE id = ?").run(JSON.stringify({ status: 201, body }), office);
    db.prepare("INSERT INTO processing_attempts (message_id, seq, reason, at, state, ack_code, ack) VALUES (?, 1, 'received', 'x', 'processed', '201', ?)").run(office, JSON.stringify({ status: 201, body }));
    const fhir = insertMessage(db, { channel: 'fhir-api', source: 'http', contentType: 'fhir', raw: '{}', contentHash: 'h2', ackMode: 'none' });
    db.prepare("UPDATE messages SET state = 'error', ack_code = '422', ack = ? WHERE id = ?").run(JSON.stringify({ status: 422, body: { resourceType: 'OperationOutcome', issue: [] } }), fhir);
    const hl7 = insertMessage(db, { channel: 'adt', source: 'mllp', contentType: 'hl7v2', raw: 'MSH|^~\\&|', contentHash: 'h3', ackMode: 'original' });
    db.prepare("UPDATE messages SET state = 'processed', ack_code = 'AA', ack = ? WHERE id = ?").run('MSH|^~\\&|\rMSA|AA|1', hl7);
    db.close();

    db = openDatabase(file);
    expect(getMessage(db, office)).to.include({ ackCode: null, httpStatus: 201, ack: null, httpBody: JSON.stringify(body) });
    expect(getMessage(db, fhir)).to.include({ ackCode: null, httpStatus: 422, ack: null });
    expect(JSON.parse(getMessage(db, fhir)!.httpBody!)).to.deep.equal({ resourceType: 'OperationOutcome', issue: [] });
    expect(getMessage(db, hl7)).to.include({ ackCode: 'AA', httpStatus: null, ack: 'MSH|^~\\&|\rMSA|AA|1', httpBody: null });
    expect(attemptsOf(db, office)[0]).to.include({ ackCode: null, httpStatus: 201, ack: null, httpBody: JSON.stringify(body) });
  });

  it('migration 5 moves the JSON body of HTTP rows out of ack into http_body; ack keeps only HL7 ACKs', () => {
    const file = join(tmp.dir, 'm4.db');
    // A store as migration 4 left it: the HTTP body in ack.
    db = openDatabase(file, MIGRATIONS.filter((m) => m.id !== 5));
    const office = insertMessage(db, { channel: 'office-api', source: 'http', contentType: 'office', raw: '{}', contentHash: 'h1', ackMode: 'none' });
    db.prepare("UPDATE messages SET state = 'processed', http_status = 201, ack = '{\"ok\":1}' WHERE id = ?").run(office);
    db.prepare("INSERT INTO processing_attempts (message_id, seq, reason, at, state, http_status, ack) VALUES (?, 1, 'received', 'x', 'processed', 201, '{\"ok\":1}')").run(office);
    const hl7 = insertMessage(db, { channel: 'adt', source: 'mllp', contentType: 'hl7v2', raw: 'MSH|^~\\&|', contentHash: 'h3', ackMode: 'original' });
    db.prepare("UPDATE messages SET state = 'processed', ack_code = 'AA', ack = ? WHERE id = ?").run('MSH|^~\\&|\rMSA|AA|1', hl7);
    db.prepare("INSERT INTO processing_attempts (message_id, seq, reason, at, state, ack_code, ack) VALUES (?, 1, 'received', 'x', 'processed', 'AA', ?)").run(hl7, 'MSH|^~\\&|\rMSA|AA|1');
    db.close();

    db = openDatabase(file);
    expect(getMessage(db, office)).to.include({ httpStatus: 201, ack: null, httpBody: '{"ok":1}' });
    expect(attemptsOf(db, office)[0]).to.include({ ack: null, httpBody: '{"ok":1}' });
    expect(getMessage(db, hl7)).to.include({ ackCode: 'AA', ack: 'MSH|^~\\&|\rMSA|AA|1', httpBody: null });
    expect(attemptsOf(db, hl7)[0]).to.include({ ack: 'MSH|^~\\&|\rMSA|AA|1', httpBody: null });
  });

  it('records an HTTP answer with its status in http_status, its body in http_body, and no ACK', () => {
    db = openDatabase(join(tmp.dir, 'new.db'));
    const id = insertMessage(db, { channel: 'office-api', source: 'http', contentType: 'office', raw: '{}', contentHash: 'h', ackMode: 'none' });
    recordOutcome(db, id, { state: 'processed', issues: [], httpStatus: 201, httpBody: '{}' });
    expect(getMessage(db, id)).to.include({ state: 'processed', ackCode: null, httpStatus: 201, ack: null, httpBody: '{}' });
    expect(listMessages(db)[0]).to.include({ ackCode: null, httpStatus: 201 });
  });
});
