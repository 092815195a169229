/**
 * Outputs stored as already-made text or gzip (src/store/json-text.ts): whatever form the engine
 * keeps, a message's outputs and its attempt's read back as the same JSON.
 */
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { JsonText, jsonColumn, parseJsonColumn } from '../../src/store/json-text.js';
import { issue } from '../../src/domain/issues.js';
import { newMessage, tempStore } from './helpers.js';
import { sqliteDb } from '../support/sqlite.js';
import { TEST_ENGINE } from '../support/engine.js';

const outputs = {
  bundle: { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 300 }, (_, i) => ({ fullUrl: `urn:uuid:${i}`, resource: { resourceType: 'Observation', id: `o${i}`, status: 'final', valueQuantity: { value: i / 7, unit: 'mg/dL' }, note: [{ text: 'é ü \u2028 "q"' }] } })) },
  office: [{ recordType: 'results-inbox-item', patient: 'P1' }],
  stored: [{ resourceType: 'Observation', id: 'o1', versionId: 1, status: '201 Created' }],
};
const text = JSON.stringify(outputs);
// As the pipeline makes it: the worker's gzip member of the Bundle between two made in the gateway.
const split = text.indexOf(',"office":');
const gz = Buffer.concat([gzipSync('{"bundle":'), gzipSync(text.slice('{"bundle":'.length, split)), gzipSync(text.slice(split))]);

describe('store: JSON columns given as text or gzip (json-text.ts)', () => {
  it('a JsonText of gzip members concatenated is the same text; the column reader takes text or gzip', () => {
    expect(new JsonText(undefined, gz).text).to.equal(text);
    expect(jsonColumn(new JsonText(undefined, gz))).to.equal(text);
    expect(parseJsonColumn(gz)).to.deep.equal(outputs);
    expect(parseJsonColumn(text)).to.deep.equal(outputs);
    expect(parseJsonColumn(null)).to.equal(null);
  });

  it('a message\'s outcome and attempt stored from gzip read back as the same JSON (SQLite keeps the gzip, smaller than the text)', async () => {
    const t = tempStore();
    try {
      const id = await t.store.transaction(async (tx) => {
        const m = await tx.messages.insert(newMessage('G1'));
        const json = new JsonText(undefined, gz);
        await tx.processing.recordOutcome(m, { state: 'processed', issues: [], outputs: json, ackCode: 'AA', ack: 'MSH|', countAttempt: true });
        await tx.processing.recordAttempt({ messageId: m, reason: 'received', state: 'processed', issues: [], outputs: json, ackCode: 'AA', ack: 'MSH|' });
        return m;
      });
      expect((await t.store.messages.get(id))!.outputs).to.deep.equal(outputs);
      const [attempt] = await t.store.processing.attemptsOf(id);
      expect(attempt!.outputs).to.deep.equal(outputs);
      if (TEST_ENGINE === 'sqlite') {
        const row = sqliteDb(t.store).prepare('SELECT typeof(outputs) AS type, length(outputs) AS bytes FROM messages WHERE id = ?').get(id) as { type: string; bytes: number };
        expect(row.type).to.equal('blob');
        expect(row.bytes).to.be.below(text.length / 4);
      }
    } finally {
      await t.close();
    }
  });

  it('a large message\'s issues stored from their text and gzip read back as the same issues everywhere (SQLite keeps the gzip)', async () => {
    const t = tempStore();
    try {
      const issues = Array.from({ length: 500 }, (_, i) => issue('MAP_INFO', `OBX ${i + 1}: unit "mg/dl" is not UCUM é`, `OBX[${i + 1}].6`, 'warning'));
      const issuesText = JSON.stringify(issues);
      const issuesJson = new JsonText(issuesText, gzipSync(issuesText));
      const id = await t.store.transaction(async (tx) => {
        const m = await tx.messages.insert(newMessage('I1'));
        await tx.processing.recordOutcome(m, { state: 'processed', issues, issuesJson, ackCode: 'AA', ack: 'MSH|', countAttempt: true });
        await tx.processing.recordAttempt({ messageId: m, reason: 'received', state: 'processed', issues, issuesJson, ackCode: 'AA', ack: 'MSH|' });
        return m;
      });
      expect((await t.store.messages.get(id))!.issues).to.deep.equal(issues);
      expect((await t.store.messages.list()).find((m) => m.id === id)!.issues).to.deep.equal(issues);
      expect((await t.store.processing.getForProcessing(id))!.issues).to.deep.equal(issues);
      expect((await t.store.processing.attemptsOf(id))[0]!.issues).to.deep.equal(issues);
      if (TEST_ENGINE === 'sqlite') {
        const row = sqliteDb(t.store).prepare('SELECT typeof(issues) AS type, length(issues) AS bytes FROM messages WHERE id = ?').get(id) as { type: string; bytes: number };
        expect(row.type).to.equal('blob');
        expect(row.bytes).to.be.below(issuesText.length / 4);
      }
    } finally {
      await t.close();
    }
  });
});
