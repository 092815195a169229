import { expect } from 'chai';
import { issue } from '../../src/domain/issues.js';
import { JsonText } from '../../src/store/json-text.js';
import { at, newMessage, T0, tempStore, type TempStore } from './helpers.js';
import { itOn } from '../support/engine.js';
import { sqliteDb } from '../support/sqlite.js';

describe('store: processing attempts through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('lists orphaned messages: committed, never attempted, received before the cut-off (what a dead instance left)', async () => {
    const old = await t.store.messages.insert(newMessage('O1'), T0);
    const tried = await t.store.messages.insert(newMessage('O2'), T0);
    const done = await t.store.messages.insert(newMessage('O3'), T0);
    const fresh = await t.store.messages.insert(newMessage('O4'), at(100));
    await t.store.processing.beginAttempt(tried, at(1));
    await t.store.processing.recordOutcome(done, { state: 'processed', issues: [], countAttempt: true }, at(2));
    expect(await t.store.processing.orphanedIds(at(50))).to.deep.equal([old]);
    expect(await t.store.processing.orphanedIds(at(200))).to.deep.equal([old, fresh]);
    expect(await t.store.processing.orphanedIds(at(200), 1)).to.deep.equal([old]);
  });

  it('reads back the never-attempted backlog in an id range, oldest first, with channel and patient (the pipeline\'s store backlog)', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await t.store.messages.insert({ ...newMessage(`R${i}`, i === 4 ? 'c2' : 'c1'), patientMrn: i % 2 ? 'P1' : undefined }, T0));
    await t.store.processing.recordOutcome(ids[1]!, { state: 'processed', issues: [], countAttempt: true });
    await t.store.processing.beginAttempt(ids[2]!);
    const rows = await t.store.processing.unattemptedInRange(ids[0]!, ids[4]!, 10);
    expect(rows).to.deep.equal([
      { id: ids[0], channel: 'c1', patientMrn: null },
      { id: ids[3], channel: 'c1', patientMrn: 'P1' },
      { id: ids[4], channel: 'c2', patientMrn: null },
    ]);
    expect((await t.store.processing.unattemptedInRange(ids[0]!, ids[5]!, 2)).map((r) => r.id)).to.deep.equal([ids[0], ids[3]]);
    expect(await t.store.processing.unattemptedInRange(ids[5]! + 1, ids[5]! + 10, 10)).to.deep.equal([]);
  });

  it('counts attempts, records the outcome and keeps it apart from the commit ACK', async () => {
    const id = await t.store.messages.insert({ ...newMessage('A'), commitAck: { code: 'CA', text: 'MSH|CA' }, issues: [issue('DUPLICATE_CONFLICT', 'dup', 'MSH.10', 'warning')] }, T0);
    const row = await t.store.processing.getForProcessing(id);
    expect(row).to.include({ id, channel: 'c1', contentType: 'hl7v2', state: 'received', raw: 'MSH|A', messageType: 'ADT^A04' });
    expect(row!.issues[0]!.details?.coding?.[0]?.code).to.equal('DUPLICATE_CONFLICT');
    expect(await t.store.processing.beginAttempt(id, at(1))).to.equal(1);
    await t.store.processing.recordOutcome(id, { state: 'processed', flow: 'adt', issues: [], outputs: { stored: [1] }, ackCode: 'AA', ack: 'MSH|AA', countAttempt: true }, at(2));
    const m = (await t.store.messages.get(id))!;
    expect(m).to.include({ state: 'processed', attempts: 2, flow: 'adt', ackCode: 'AA', ack: 'MSH|AA', commitAckCode: 'CA', commitAck: 'MSH|CA', processedAt: at(2).toISOString() });
    expect(m.outputs).to.deep.equal({ stored: [1] });
    expect(m.issues).to.deep.equal([]);
  });

  it('stores outputs given as JSON text (serialized in a worker thread) as the same JSON as the object', async () => {
    const outputs = { bundle: { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:1' }] }, office: [{ recordType: 'x', note: 'caf\u00e9 "quoted"' }], stored: [] };
    const a = await t.store.messages.insert(newMessage('TEXT'));
    const b = await t.store.messages.insert(newMessage('OBJECT'));
    await t.store.processing.recordOutcome(a, { state: 'processed', issues: [], outputs: new JsonText(JSON.stringify(outputs)), countAttempt: true });
    await t.store.processing.recordOutcome(b, { state: 'processed', issues: [], outputs, countAttempt: true });
    await t.store.processing.recordAttempt({ messageId: a, reason: 'received', state: 'processed', issues: [], outputs: new JsonText(JSON.stringify(outputs)) });
    expect((await t.store.messages.get(a))!.outputs).to.deep.equal(outputs);
    expect((await t.store.messages.get(a))!.outputs).to.deep.equal((await t.store.messages.get(b))!.outputs);
    expect((await t.store.processing.attemptsOf(a))[0]!.outputs).to.deep.equal(outputs);
  });

  it('lists pending ids after an id, records failures, and resets for replay', async () => {
    const a = await t.store.messages.insert(newMessage('A'));
    const b = await t.store.messages.insert(newMessage('B'));
    const c = await t.store.messages.insert(newMessage('C'));
    await t.store.processing.recordOutcome(b, { state: 'error', issues: [] });
    expect(await t.store.processing.pendingIds()).to.deep.equal([a, c]);
    expect(await t.store.processing.pendingIds(10, a)).to.deep.equal([c]);
    await t.store.processing.recordFailure(c, 'disk on fire', 'failed');
    expect(await t.store.messages.get(c)).to.include({ state: 'failed', lastError: 'disk on fire' });
    expect(await t.store.processing.resetForReplay(c)).to.equal(true);
    expect(await t.store.messages.get(c)).to.include({ state: 'received', attempts: 0, lastError: null });
    expect(await t.store.processing.resetForReplay(9999)).to.equal(false);
    expect(await t.store.processing.beginAttempt(9999)).to.equal(0);
  });

  it("counts recovery's first attempts in one call: the leading never-attempted 'received' rows, with their patient, up to the first that is not", async () => {
    const a = await t.store.messages.insert({ ...newMessage('A'), patientMrn: 'MRN1' });
    const b = await t.store.messages.insert(newMessage('B'));
    const tried = await t.store.messages.insert({ ...newMessage('C'), patientMrn: 'MRN2' });
    const after = await t.store.messages.insert({ ...newMessage('D'), patientMrn: 'MRN3' });
    await t.store.processing.beginAttempt(tried);
    const counted = await t.store.transaction((tx) => tx.processing.beginFirstAttempts([a, b, tried, after], at(5)));
    expect(counted).to.deep.equal([{ id: a, patientMrn: 'MRN1' }, { id: b, patientMrn: null }]);
    expect(await t.store.messages.get(a)).to.include({ attempts: 1, state: 'received', updatedAt: at(5).toISOString() });
    expect(await t.store.messages.get(b)).to.include({ attempts: 1 });
    // The one attempted before and the one after it are left for recovery to take alone.
    expect(await t.store.messages.get(tried)).to.include({ attempts: 1 });
    expect(await t.store.messages.get(after)).to.include({ attempts: 0 });
    // A processed row, or an unknown id, cuts the run too.
    await t.store.processing.recordOutcome(after, { state: 'processed', issues: [] });
    const e = await t.store.messages.insert(newMessage('E'));
    expect(await t.store.processing.beginFirstAttempts([after, e])).to.deep.equal([]);
    expect(await t.store.processing.beginFirstAttempts([e, 9999, after])).to.deep.equal([{ id: e, patientMrn: null }]);
    expect(await t.store.processing.beginFirstAttempts([])).to.deep.equal([]);
  });

  it('records when acknowledgments left, many ids at once', async () => {
    const a = await t.store.messages.insert(newMessage('A'));
    const b = await t.store.messages.insert(newMessage('B'));
    await t.store.processing.markAcksSent([a, b], at(3));
    expect((await t.store.messages.get(a))!.ackSentAt).to.equal(at(3).toISOString());
    expect((await t.store.messages.get(b))!.ackSentAt).to.equal(at(3).toISOString());
    // The message list shows it too; a later mark (an exact resend answered again) replaces it.
    await t.store.processing.markAcksSent([a], at(7));
    const listed = await t.store.messages.list({ limit: 10 });
    expect(listed.find((m) => m.id === a)!.ackSentAt).to.equal(at(7).toISOString());
    expect(listed.find((m) => m.id === b)!.ackSentAt).to.equal(at(3).toISOString());
    expect((await t.store.messages.get(a))!.ackSentAt).to.equal(at(7).toISOString());
    // An id with no message is marked nowhere, and fails nothing.
    await t.store.processing.markAcksSent([9999], at(8));
    expect(await t.store.messages.get(9999)).to.equal(undefined);
  });

  itOn('sqlite', 'reads a time marked before migration 16 from the row, and a mark made since from its own table', async () => {
    const old = await t.store.messages.insert(newMessage('OLD'));
    const fresh = await t.store.messages.insert(newMessage('NEW'));
    // As a mark made before migration 16 left it: on the row.
    sqliteDb(t.store).prepare('UPDATE messages SET ack_sent_at = ? WHERE id = ?').run(at(1).toISOString(), old);
    await t.store.processing.markAcksSent([fresh], at(2));
    expect((await t.store.messages.get(old))!.ackSentAt).to.equal(at(1).toISOString());
    expect((await t.store.messages.get(fresh))!.ackSentAt).to.equal(at(2).toISOString());
    // The mark no longer rewrites the message row (~12 KB for an ADT^A04): its column stays as it was.
    expect(sqliteDb(t.store).prepare('SELECT ack_sent_at FROM messages WHERE id = ?').get(fresh)).to.deep.equal({ ack_sent_at: null });
    const listed = await t.store.messages.list({ limit: 10 });
    expect(listed.map((m) => [m.id, m.ackSentAt])).to.deep.include.members([[old, at(1).toISOString()], [fresh, at(2).toISOString()]]);
    // Marked again after the migration: the new time wins over the row's.
    await t.store.processing.markAcksSent([old], at(5));
    expect((await t.store.messages.get(old))!.ackSentAt).to.equal(at(5).toISOString());
  });
});
