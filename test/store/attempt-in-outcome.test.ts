/**
 * An attempt's issues and outputs kept by reference to its message's outcome (migration 17, #17):
 * stored once, in the message's row, and copied into the attempt before a later outcome replaces
 * them, so the history reads the same as when each attempt kept its own.
 */
import { expect } from 'chai';
import { issue } from '../../src/domain/issues.js';
import { newMessage, tempStore, type TempStore } from './helpers.js';
import { sqliteDb } from '../support/sqlite.js';
import { TEST_ENGINE } from '../support/engine.js';
import { execOnStore } from '../support/store-sql.js';

const first = { bundle: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'First' }] } }] } };
const second = { bundle: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Second' }] } }] } };
const firstIssues = [issue('FHIR_VALUE', 'first run warning', undefined, 'warning')];
const secondIssues = [issue('FHIR_REQUIRED', 'second run error', undefined, 'error')];

/** One run as the pipeline records it: the outcome, then its attempt pointing at it. */
async function run(t: TempStore, id: number, reason: 'received' | 'replay', outputs: unknown, issues: typeof firstIssues, ackCode: string): Promise<void> {
  await t.store.transaction(async (tx) => {
    await tx.processing.recordOutcome(id, { state: ackCode === 'AA' ? 'processed' : 'error', issues, outputs, ackCode, ack: `MSA|${ackCode}`, countAttempt: true });
    await tx.processing.recordAttempt({ messageId: id, reason, state: ackCode === 'AA' ? 'processed' : 'error', issues, outputs, ackCode, ack: `MSA|${ackCode}`, inOutcome: true });
  });
}

describe('store: outcomes and their attempts (migrations 17 and 18)', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  describe('an attempt\'s issues and outputs by reference to the outcome (migration 17)', () => {
    it('the attempt reads the outcome\'s issues and outputs; on SQLite its row holds neither (stored once)', async () => {
      const id = await t.store.messages.insert(newMessage('R1'));
      await run(t, id, 'received', first, firstIssues, 'AA');
      const [a] = await t.store.processing.attemptsOf(id);
      expect(a!.outputs).to.deep.equal(first);
      expect(a!.issues).to.deep.equal(firstIssues);
      if (TEST_ENGINE === 'sqlite') {
        const row = sqliteDb(t.store).prepare('SELECT issues, outputs, in_outcome FROM processing_attempts WHERE message_id = ?').get(id);
        expect(row).to.deep.equal({ issues: null, outputs: null, in_outcome: 1 });
      }
    });

    it('a later outcome (a replay) copies them into the earlier attempt first: the history keeps the first run\'s, the new attempt reads the new', async () => {
      const id = await t.store.messages.insert(newMessage('R2'));
      await run(t, id, 'received', first, firstIssues, 'AA');
      // An internal failure between the runs: recorded without an outcome, it leaves the reference alone.
      await t.store.processing.recordAttempt({ messageId: id, reason: 'recovery', state: 'received', issues: [issue('INTERNAL', 'boom')], error: 'boom' });
      expect(await t.store.processing.resetForReplay(id)).to.equal(true);
      await run(t, id, 'replay', second, secondIssues, 'AE');
      const attempts = await t.store.processing.attemptsOf(id);
      expect(attempts.map((a) => [a.seq, a.reason, a.ackCode, a.error])).to.deep.equal([[1, 'received', 'AA', null], [2, 'recovery', null, 'boom'], [3, 'replay', 'AE', null]]);
      expect(attempts[0]!.outputs).to.deep.equal(first);
      expect(attempts[0]!.issues).to.deep.equal(firstIssues);
      expect(attempts[1]!.outputs).to.equal(null);
      expect(attempts[1]!.issues.map((i) => i.diagnostics)).to.deep.equal(['boom']);
      expect(attempts[2]!.outputs).to.deep.equal(second);
      expect(attempts[2]!.issues).to.deep.equal(secondIssues);
      expect((await t.store.messages.get(id))!.outputs).to.deep.equal(second);
      // A third run: both earlier runs' outputs stay as they were.
      expect(await t.store.processing.resetForReplay(id)).to.equal(true);
      await run(t, id, 'replay', first, [], 'AA');
      const again = await t.store.processing.attemptsOf(id);
      expect(again.map((a) => a.outputs)).to.deep.equal([first, null, second, first]);
      expect(again.map((a) => a.issues.length)).to.deep.equal([1, 1, 1, 0]);
      if (TEST_ENGINE === 'sqlite') {
        const rows = sqliteDb(t.store).prepare('SELECT seq, in_outcome, outputs IS NULL AS noOutputs FROM processing_attempts WHERE message_id = ? ORDER BY seq').all(id);
        expect(rows).to.deep.equal([{ seq: 1, in_outcome: 0, noOutputs: 0 }, { seq: 2, in_outcome: 0, noOutputs: 1 }, { seq: 3, in_outcome: 0, noOutputs: 0 }, { seq: 4, in_outcome: 1, noOutputs: 1 }]);
      }
    });

    it('any writer of the outcome keeps the history (migration 18\'s trigger): the row\'s issues and outputs replaced by SQL, as a gateway of an older version would', async () => {
      const id = await t.store.messages.insert(newMessage('R5'));
      await run(t, id, 'received', first, firstIssues, 'AA');
      await execOnStore(t.store, `UPDATE messages SET issues = NULL, outputs = '${JSON.stringify(second)}' WHERE id = ${id}`);
      const [a] = await t.store.processing.attemptsOf(id);
      expect(a!.outputs).to.deep.equal(first);
      expect(a!.issues).to.deep.equal(firstIssues);
      expect((await t.store.messages.get(id))!.outputs).to.deep.equal(second);
      // An UPDATE of other columns (a replay's reset, a resend's count) copies nothing: the attempt
      // still reads what the row holds.
      const b = await t.store.messages.insert(newMessage('R6'));
      await run(t, b, 'received', second, [], 'AA');
      await t.store.processing.resetForReplay(b);
      await t.store.messages.recordResend(b);
      if (TEST_ENGINE === 'sqlite') {
        expect(sqliteDb(t.store).prepare('SELECT in_outcome FROM processing_attempts WHERE message_id = ?').get(b)).to.deep.equal({ in_outcome: 1 });
      }
      expect((await t.store.processing.attemptsOf(b))[0]!.outputs).to.deep.equal(second);
    });

    it('an attempt not marked in the outcome keeps its own (the references of another message are not touched)', async () => {
      const a = await t.store.messages.insert(newMessage('R3'));
      const b = await t.store.messages.insert(newMessage('R4'));
      await run(t, a, 'received', first, firstIssues, 'AA');
      await t.store.processing.recordAttempt({ messageId: b, reason: 'received', state: 'processed', issues: secondIssues, outputs: second, ackCode: 'AA' });
      await t.store.transaction(async (tx) => tx.processing.recordOutcome(b, { state: 'processed', issues: [], outputs: first, ackCode: 'AA', countAttempt: true }));
      expect((await t.store.processing.attemptsOf(b))[0]!.outputs).to.deep.equal(second);
      expect((await t.store.processing.attemptsOf(a))[0]!.outputs).to.deep.equal(first);
    });
  });

  describe('a first outcome (Outcome.first) and the outcomes after it', () => {
    it('the claim reads processedAt null until an outcome is recorded, and keeps it through a replay\'s reset', async () => {
      const id = await t.store.messages.insert(newMessage('F1'));
      const claim = async () => t.store.transaction(async (tx) => (await tx.processing.claimForProcessing(id))!.row!.processedAt);
      expect(await claim()).to.equal(null);
      await t.store.transaction(async (tx) => tx.processing.recordOutcome(id, { state: 'processed', issues: [], ackCode: 'AA', countAttempt: true, first: true }));
      expect(await t.store.processing.resetForReplay(id)).to.equal(true);
      expect(await claim()).to.be.a('string');
    });

    it('a later outcome still replaces the first one\'s error codes and office records', async () => {
      const id = await t.store.messages.insert(newMessage('F2'));
      await t.store.transaction(async (tx) => {
        await tx.officeRecords.replace(id, [{ recordType: 'registration', n: 1 }, { recordType: 'note', n: 2 }], undefined, { first: true });
        await tx.processing.recordOutcome(id, { state: 'error', issues: secondIssues, ackCode: 'AE', countAttempt: true, first: true });
      });
      expect((await t.store.messages.list({ errorCode: 'FHIR_REQUIRED' })).map((m) => m.id)).to.deep.equal([id]);
      expect(await t.store.officeRecords.of(id)).to.have.length(2);
      await t.store.processing.resetForReplay(id);
      await t.store.transaction(async (tx) => {
        await tx.officeRecords.replace(id, [{ recordType: 'registration', n: 3 }]);
        await tx.processing.recordOutcome(id, { state: 'processed', issues: [], ackCode: 'AA', countAttempt: true });
      });
      expect(await t.store.messages.list({ errorCode: 'FHIR_REQUIRED' })).to.deep.equal([]);
      expect(await t.store.officeRecords.of(id)).to.deep.equal([{ recordType: 'registration', n: 3 }]);
    });
  });
});
