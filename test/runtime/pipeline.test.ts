import { expect } from 'chai';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import type { Inbound } from '../../src/runtime/pipeline.js';
import { replayMatching, replayOne } from '../../src/runtime/replay.js';
import { recoverPending } from '../../src/runtime/recovery.js';
import { openTestStore } from '../support/engine.js';
import { execOnStore } from '../support/store-sql.js';
import { contentHash } from '../../src/runtime/intake-header.js';
import { issue } from '../../src/domain/issues.js';
import { adt, errSegments, msa, registerTestFlow, startTest, tempDir, type TestFlow } from '../support/gateway.js';

const DESTS = { ehr: { type: 'fhir', baseUrl: 'http://127.0.0.1:9/fhir', auth: { type: 'none' } }, inbox: { type: 'http', url: 'http://127.0.0.1:9/inbox', auth: { type: 'none' } } };

describe('runtime/pipeline: store, then process', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let flow: TestFlow;
  let remove: () => void;

  const inbound = (raw: string): Inbound => ({ channel: gw.pipeline.channel('test-mllp'), source: 'mllp', contentType: 'hl7v2', raw });
  const receive = async (raw: string) => {
    const r = await gw.pipeline.receive(inbound(raw));
    if (!r.ok) throw new Error('store failed');
    return { rec: r, answer: await r.answer };
  };

  beforeEach(async () => {
    tmp = tempDir();
    ({ flow, remove } = registerTestFlow());
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      destinations: DESTS,
      channels: [{ name: 'test-mllp', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: ['ehr', { name: 'inbox', payload: 'office' }] }],
    }, { noHttp: true });
  });

  afterEach(async () => {
    await gw.close();
    remove();
    tmp.cleanup();
  });

  it('commits the raw message, runs the flow, stores outputs and queues each destination', async () => {
    const { answer } = await receive(adt('C1'));
    expect(answer.ackCode).to.equal('AA');
    expect(msa(answer.ack)).to.deep.equal({ code: 'AA', controlId: 'C1' });
    const row = (await gw.store.messages.get(answer.id))!;
    expect(row.state).to.equal('processed');
    expect(row.ackCode).to.equal('AA');
    expect(row.attempts).to.equal(1);
    expect(row.raw).to.equal(adt('C1'));
    expect(row.controlId).to.equal('C1');
    expect(row.messageType).to.equal('ADT^A04');
    expect(row.flow).to.equal('test-flow');
    expect(await gw.store.resources.count('Patient')).to.equal(1);
    expect(await gw.store.officeRecords.of(answer.id)).to.deep.equal([{ recordType: 'registration', mrn: 'MRN1', familyName: 'Testpatient', sex: 'U' }]);
    const out = await gw.store.outbox.list({});
    expect(out.map((o) => [o.destination, o.kind]).sort()).to.deep.equal([['ehr', 'fhir-bundle'], ['inbox', 'office-record']]);
    expect(out.every((o) => o.messageId === answer.id && o.orderingKey?.startsWith('Patient/'))).to.equal(true);
    expect(flow.runs).to.equal(1);
  });

  it('answers an exact resend from the store without processing it again', async () => {
    const first = await receive(adt('C2'));
    const again = await receive(adt('C2'));
    expect(again.rec.resend).to.equal(true);
    expect(again.answer.id).to.equal(first.answer.id);
    expect(again.answer.ack).to.equal(first.answer.ack);
    expect(flow.runs).to.equal(1);
    expect(await gw.store.messages.list()).to.have.length(1);
    expect((await gw.store.messages.get(first.answer.id))!.resendCount).to.equal(1);
  });

  it('treats a resend with other line endings as the same content', async () => {
    await receive(adt('C2b'));
    const again = await receive(adt('C2b').replace(/\r/g, '\r\n'));
    expect(again.rec.resend).to.equal(true);
    expect(flow.runs).to.equal(1);
  });

  it('never processes a message twice: process() of a processed message answers from the store', async () => {
    const first = await receive(adt('C2c'));
    const again = await gw.pipeline.process(first.answer.id);
    expect(again.resend).to.equal(true);
    expect(again.ack).to.equal(first.answer.ack);
    expect(flow.runs).to.equal(1);
    expect((await gw.store.messages.get(first.answer.id))!.attempts).to.equal(1);
  });

  it('keeps and flags the same MSH-10 with different content', async () => {
    const a = await receive(adt('C3', { family: 'One' }));
    const b = await receive(adt('C3', { family: 'Two' }));
    expect(b.rec.resend).to.equal(false);
    expect(b.answer.id).to.not.equal(a.answer.id);
    const row = (await gw.store.messages.get(b.answer.id))!;
    expect(row.duplicateOf).to.equal(a.answer.id);
    expect(row.state).to.equal('processed');
    expect(row.issues.map((i) => i.details?.coding?.[0]?.code)).to.include('DUPLICATE_CONFLICT');
    expect(b.answer.ackCode).to.equal('AA');
    expect(errSegments(b.answer.ack).join()).to.contain('205'); // table 0357: duplicate key identifier
    expect(flow.runs).to.equal(2);
  });

  it('deduplicates two identical messages committed in the same batch', async () => {
    const [r1, r2] = await Promise.all([gw.pipeline.receive(inbound(adt('C4'))), gw.pipeline.receive(inbound(adt('C4')))]);
    if (!r1.ok || !r2.ok) throw new Error('store failed');
    const [a1, a2] = await Promise.all([r1.answer, r2.answer]);
    expect(r2.resend).to.equal(true);
    expect(a1.id).to.equal(a2.id);
    expect(a2.ackCode).to.equal('AA');
    expect(flow.runs).to.equal(1);
  });

  it('rejects (AR) an unreadable message but keeps it', async () => {
    const { answer } = await receive('this is not HL7');
    expect(answer.ackCode).to.equal('AR');
    expect(msa(answer.ack).code).to.equal('AR');
    expect((await gw.store.messages.get(answer.id))!.state).to.equal('rejected');
    expect((await gw.store.messages.get(answer.id))!.raw).to.equal('this is not HL7');
  });

  it('rejects (AR, ERR-3 200) a type the channel flow does not handle', async () => {
    const raw = 'MSH|^~\\&|A|B|C|D|20240301||ORU^R01^ORU_R01|C5|P|2.5.1\rPID|1||X\r';
    const { answer } = await receive(raw);
    expect(answer.ackCode).to.equal('AR');
    expect(errSegments(answer.ack)[0]).to.contain('|200^');
    expect((await gw.store.messages.get(answer.id))!.state).to.equal('rejected');
  });

  it('answers AE with ERR naming the field when the flow reports an error, and stores nothing', async () => {
    const { answer } = await receive(adt('C6', { mrn: '' }).replace('PID|1||^^^FAC^MR', 'PID|1||'));
    expect(answer.ackCode).to.equal('AE');
    expect(answer.state).to.equal('error');
    const errs = errSegments(answer.ack);
    expect(errs.some((e) => e.startsWith('ERR||PID^1^3'))).to.equal(true, errs.join('\n'));
    expect(await gw.store.resources.count()).to.equal(0);
    expect(await gw.store.outbox.list({})).to.have.length(0);
  });

  it('never acknowledges when the store cannot commit', async () => {
    await execOnStore(gw.store, {
      sqlite: "CREATE TRIGGER fail_insert BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END",
      postgres: "CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$; CREATE TRIGGER fail_insert BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail_insert()",
    });
    const r = await gw.pipeline.receive(inbound(adt('C7')));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.issues[0]!.details?.coding?.[0]?.code).to.equal('STORE_FAILED');
    expect(gw.metrics.get('store_failures', 'test-mllp')).to.equal(1);
    await execOnStore(gw.store, { sqlite: 'DROP TRIGGER fail_insert', postgres: 'DROP TRIGGER fail_insert ON messages; DROP FUNCTION fail_insert()' });
  });

  it('a store that fails for one frame of a group commit leaves the others stored and acknowledged, that one not', async () => {
    await execOnStore(gw.store, {
      sqlite: "CREATE TRIGGER fail_bad BEFORE INSERT ON messages WHEN NEW.control_id = 'BAD1' BEGIN SELECT RAISE(ABORT, 'disk full'); END",
      postgres: "CREATE FUNCTION fail_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.control_id = 'BAD1' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$; CREATE TRIGGER fail_bad BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail_bad()",
    });
    // One event-loop turn: the three share one commit (the bad one in the middle).
    const rs = await Promise.all(['OK1', 'BAD1', 'OK2'].map((c) => gw.pipeline.receive(inbound(adt(c)))));
    expect(rs.map((r) => r.ok)).to.deep.equal([true, false, true]);
    for (const r of rs) if (r.ok) expect((await r.answer).ackCode).to.equal('AA');
    const stored = await gw.store.messages.list({});
    expect(stored.map((m) => m.controlId).sort()).to.deep.equal(['OK1', 'OK2']);
    expect(gw.metrics.get('store_failures', 'test-mllp')).to.equal(1);
    await execOnStore(gw.store, { sqlite: 'DROP TRIGGER fail_bad', postgres: 'DROP TRIGGER fail_bad ON messages; DROP FUNCTION fail_bad()' });
    // The sender resends it once the store takes it again.
    const again = await receive(adt('BAD1'));
    expect(again.answer.ackCode).to.equal('AA');
  });

  it('a processing run that throws in a group commit is that message\'s failed attempt alone: the others are processed, it is run once', async () => {
    flow.explodeMrn = 'BOOM';
    // One event-loop turn: stored in one commit and processed in it (original mode, nothing queued before).
    const rs = await Promise.all([adt('G1', { mrn: 'G1' }), adt('G2', { mrn: 'BOOM' }), adt('G3', { mrn: 'G3' })].map((raw) => gw.pipeline.receive(inbound(raw))));
    const answers = await Promise.all(rs.map((r) => (r.ok ? r.answer : Promise.reject(new Error('store failed')))));
    expect(answers.map((a) => a.ackCode)).to.deep.equal(['AA', 'AR', 'AA']);
    const rows = await Promise.all(answers.map((a) => gw.store.messages.get(a.id)));
    expect(rows.map((r) => [r!.controlId, r!.state, r!.attempts])).to.deep.equal([['G1', 'processed', 1], ['G2', 'received', 1], ['G3', 'processed', 1]]);
    for (const a of answers) expect(await gw.store.processing.attemptsOf(a.id)).to.have.length(1);
    expect(flow.runsOf.get('BOOM')).to.equal(1);
    expect(await gw.store.resources.count('Patient')).to.equal(2);
  });

  it('keeps a message whose flow throws, answers AR, and marks it failed after max attempts', async () => {
    flow.explode = true;
    const first = await receive(adt('C8'));
    expect(first.answer.ackCode).to.equal('AR');
    expect((await gw.store.messages.get(first.answer.id))!.state).to.equal('received');
    expect((await gw.store.messages.get(first.answer.id))!.attempts).to.equal(1);
    // The sender resends: the stored, unprocessed message is processed again.
    const second = await receive(adt('C8'));
    expect(second.answer.id).to.equal(first.answer.id);
    expect((await gw.store.messages.get(first.answer.id))!.attempts).to.equal(2);
    await receive(adt('C8'));
    const row = (await gw.store.messages.get(first.answer.id))!;
    expect(row.attempts).to.equal(3);
    expect(row.state).to.equal('failed');
    expect(row.lastError).to.contain('exploded');
    // Fixed: an operator replays it.
    flow.explode = false;
    const replayed = await replayOne(gw.pipeline, first.answer.id);
    expect(replayed!.state).to.equal('processed');
    expect((await gw.store.messages.get(first.answer.id))!.ackCode).to.equal('AA');
  });

  it('replays an AE message afresh: the errors of the earlier run do not carry over into the new one', async () => {
    const run = flow.run;
    flow.run = () => ({ value: undefined, issues: [issue('HL7_FIELD_REQUIRED', 'PID-3 missing (test).', 'PID.3')] });
    const first = await receive(adt('C10'));
    expect(first.answer.ackCode).to.equal('AE');
    flow.run = run;
    const r = await replayOne(gw.pipeline, first.answer.id);
    expect(r!.ackCode).to.equal('AA');
    expect(r!.state).to.equal('processed');
    const codes = (await gw.store.messages.get(first.answer.id))!.issues.map((i) => i.details?.coding?.[0]?.code);
    expect(codes).to.not.include('HL7_FIELD_REQUIRED');
  });

  it('keeps the intake duplicate flag once across replays', async () => {
    await receive(adt('C11'));
    const { answer } = await receive(adt('C11', { family: 'Otherfamily' }));
    const dupes = async () => (await gw.store.messages.get(answer.id))!.issues.filter((i) => i.details?.coding?.[0]?.code === 'DUPLICATE_CONFLICT').length;
    expect(await dupes()).to.equal(1);
    await replayOne(gw.pipeline, answer.id);
    await replayOne(gw.pipeline, answer.id);
    expect(await dupes()).to.equal(1);
  });

  it('answers a retried HTTP post of a failed message with an OperationOutcome (500), not an empty body', async () => {
    const raw = '{"resourceType":"Bundle","type":"transaction"}';
    const id = await gw.store.messages.insert({ channel: 'fhir-api', source: 'http', contentType: 'fhir', raw, contentHash: contentHash(raw), controlId: 'K1', ackMode: 'none' });
    await gw.store.processing.recordFailure(id, 'boom', 'failed');
    const a = await gw.pipeline.answerFromRow(id, true);
    expect(a.httpStatus).to.equal(500);
    expect((a.body as { resourceType: string }).resourceType).to.equal('OperationOutcome');
  });

  it('replays idempotently: same resources, same versions, no new outbox items', async () => {
    const { answer } = await receive(adt('C9'));
    const before = (await gw.store.resources.get('Patient', (await listResourceIds(gw))[0]!))!;
    const outboxBefore = (await gw.store.outbox.list({})).length;
    const r = await replayOne(gw.pipeline, answer.id);
    expect(r!.state).to.equal('processed');
    const after = (await gw.store.resources.get('Patient', (await listResourceIds(gw))[0]!))!;
    expect(after.versionId).to.equal(before.versionId);
    expect((await gw.store.outbox.list({})).length).to.equal(outboxBefore);
    expect(await gw.store.officeRecords.of(answer.id)).to.have.length(1);
    expect(flow.runs).to.equal(2);
  });

  it('replays a filtered set', async () => {
    await receive(adt('D1'));
    await receive('garbage');
    await receive(adt('D2'));
    const s = await replayMatching(gw.pipeline, { state: 'rejected' });
    expect(s.matched).to.equal(1);
    expect(s.results[0]!.state).to.equal('rejected');
    const all = await replayMatching(gw.pipeline, { messageType: 'ADT' });
    expect(all.matched).to.equal(2);
    expect(flow.runs).to.equal(4);
  });

  it('sends a commit ACK (CA) in enhanced mode, stored with the row', async () => {
    const { rec, answer } = await receive(adt('E1', { msh15: 'AL', msh16: 'AL' }));
    expect(msa(rec.commitAck).code).to.equal('CA');
    expect(msa(answer.ack).code).to.equal('AA');
    const row = (await gw.store.messages.get(answer.id))!;
    expect(row.ackMode).to.equal('enhanced');
    expect(row.commitAckCode).to.equal('CA');
    expect(row.ackCode).to.equal('AA');
  });
});

describe('runtime/recovery', () => {
  it('marks a message failed instead of looping when it used up its attempts (it crashed the process each time)', async () => {
    const tmp = tempDir();
    const { flow, remove } = registerTestFlow();
    try {
      const dbPath = join(tmp.dir, 'fd.db');
      const store = openTestStore(dbPath);
      const raw = adt('POISON');
      const id = await store.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: 'POISON', messageType: 'ADT^A04', ackMode: 'original' });
      for (let i = 0; i < 3; i++) await store.processing.beginAttempt(id); // maxAttempts is 3 in the test config
      await store.close();
      const gw = await startTest(dbPath, {}, { noHttp: true });
      try {
        expect(await gw.recovery).to.deep.equal({ processed: 0, failed: 1 });
        expect((await gw.store.messages.get(id))!.state).to.equal('failed');
        expect(flow.runs).to.equal(0);
      } finally {
        await gw.close();
      }
    } finally {
      remove();
      tmp.cleanup();
    }
  });

  it('recovers every pending message even when a whole page (500) of them fails again', async function () {
    // 1,000 failing runs: each a round trip to the server on the PostgreSQL leg.
    this.timeout(120_000);
    const tmp = tempDir();
    const { flow, remove } = registerTestFlow();
    try {
      const dbPath = join(tmp.dir, 'fd.db');
      const store = openTestStore(dbPath);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 501; i++) {
          const raw = adt(`P${i}`, { mrn: `P${i}` });
          await tx.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: `P${i}`, messageType: 'ADT^A04', ackMode: 'original' });
        }
      });
      await store.close();
      flow.explode = true;
      const gw = await startTest(dbPath, {}, { noHttp: true });
      try {
        expect(await gw.recovery).to.deep.equal({ processed: 0, failed: 501 });
        expect(flow.runs).to.equal(501);
      } finally {
        await gw.close();
      }
    } finally {
      remove();
      tmp.cleanup();
    }
  });

  it('processes at start what was committed but not processed, exactly once', async () => {
    const tmp = tempDir();
    const { flow, remove } = registerTestFlow();
    try {
      const dbPath = join(tmp.dir, 'fd.db');
      const store = openTestStore(dbPath);
      const raw = adt('R1');
      await store.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: 'R1', messageType: 'ADT^A04', ackMode: 'original' });
      await store.close();
      const gw = await startTest(dbPath, {}, { noHttp: true });
      try {
        expect(await gw.recovery).to.deep.equal({ processed: 1, failed: 0 });
        const row = (await gw.store.messages.get(1))!;
        expect(row.state).to.equal('processed');
        expect(row.attempts).to.equal(1);
        expect(flow.runs).to.equal(1);
        expect(await recoverPending(gw.pipeline)).to.deep.equal({ processed: 0, failed: 0 });
      } finally {
        await gw.close();
      }
    } finally {
      remove();
      tmp.cleanup();
    }
  });
});

function listResourceIds(gw: Gateway): Promise<string[]> {
  return gw.store.resources.idsOfType('Patient');
}
