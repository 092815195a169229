/**
 * Two instances that store the same message at the same moment (PostgreSQL leg: two stores on one
 * schema): the unique key on (channel, MSH-10, content hash) lets one commit and makes the other
 * wait for it and then fail, so that one sends no ACK and its sender's resend is answered from the
 * stored row. The message is stored once.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, describeOn } from '../support/engine.js';
import { newMessage } from './helpers.js';

describeOn('postgres', 'store: the same message stored by two instances at once', () => {
  it('commits one row; the other transaction waits for it and fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontdesk-race-'));
    const path = join(dir, 'fd.db');
    const a = openTestStore(path);
    const b = openTestStore(path);
    try {
      await a.ping();
      await b.ping();
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let aInserted!: () => void;
      const inserted = new Promise<void>((r) => { aInserted = r; });
      const pa = a.transaction(async (tx) => { const id = await tx.messages.insert(newMessage('RACE1')); aInserted(); await gate; return id; });
      await inserted;
      let bDone = false;
      const pb = b.transaction((tx) => tx.messages.insert(newMessage('RACE1'))).finally(() => { bDone = true; });
      await new Promise((r) => setTimeout(r, 300));
      expect(bDone, 'the second insert waits for the first transaction').to.equal(false);
      release();
      const [ra, rb] = await Promise.allSettled([pa, pb]);
      expect(ra.status).to.equal('fulfilled');
      expect(rb.status).to.equal('rejected');
      expect(String((rb as PromiseRejectedResult).reason)).to.match(/duplicate key|unique/i);
      expect((await a.messages.findByControlId('c1', 'RACE1')).length).to.equal(1);
      // The other content under the same MSH-10 is still stored (flagged by the pipeline as a conflict).
      await b.messages.insert({ ...newMessage('RACE1'), contentHash: 'other', duplicateOf: (ra as PromiseFulfilledResult<number>).value });
      expect((await a.messages.findByControlId('c1', 'RACE1')).length).to.equal(2);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
