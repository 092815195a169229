/**
 * #17: a processing commit of messages whose senders want nothing after their commit ACK (MSH-16
 * NE) asks for no fsync of its own (the next commit's covers it), while a message whose sender
 * waits for its application ACK is answered only once its processing commit is durable. Anything
 * read outside a transaction still waits for the fsync of what it can see.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { describeOn } from '../support/engine.js';
import { adt, msa, startTest, tempDir } from '../support/gateway.js';
import { faultWalSync } from '../support/sqlite.js';

describeOn('sqlite', 'runtime (SQLite): processing commits nobody waits for are durable with the next commit', () => {
  it('answers an NE message\'s processing without an fsync of its own; a read outside waits for one; an AL message\'s application ACK waits for its fsync', async () => {
    const tmp = tempDir();
    const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, { noHttp: true });
    try {
      const channel = gw.pipeline.channel('reg');
      const inbound = (raw: string) => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw });
      const warm = await gw.pipeline.receive(inbound(adt('W0', { mrn: 'W0' })));
      if (warm.ok) await warm.answer;

      // MSH-16 NE: the commit ACK is all its sender gets.
      const ne = await gw.pipeline.receive(inbound(adt('NE1', { mrn: 'NE1', msh15: 'AL', msh16: 'NE' })));
      expect(ne.ok).to.equal(true);
      if (!ne.ok) return;
      expect(msa(ne.commitAck).code).to.equal('CA');
      let release!: () => void;
      const fault = faultWalSync(gw.store, { gate: new Promise<void>((r) => { release = r; }) });
      // Within a second, while no fsync can finish (one of its own would hold it for ever).
      const answered = await Promise.race([ne.answer, new Promise<undefined>((r) => setTimeout(r, 1000))]);
      expect(answered?.state, 'answered without waiting for an fsync').to.equal('processed');
      if (!answered) release();
      expect(fault.calls(), 'its processing commit asked for no fsync').to.equal(0);
      let read = false;
      const row = gw.store.messages.get(ne.id).then((m) => { read = true; return m; });
      await new Promise((r) => setTimeout(r, 50));
      expect(read, 'a read outside a transaction waits for the fsync it could see').to.equal(false);
      expect(fault.calls(), 'which the read (or the timer) started').to.be.greaterThan(0);
      release();
      expect((await row)?.state).to.equal('processed');
      fault.restore();

      // MSH-16 AL: the application ACK leaves only once the processing commit is durable.
      const al = await gw.pipeline.receive(inbound(adt('AL1', { mrn: 'AL1', msh15: 'AL', msh16: 'AL' })));
      expect(al.ok).to.equal(true);
      if (!al.ok) return;
      let open!: () => void;
      const held = faultWalSync(gw.store, { gate: new Promise<void>((r) => { open = r; }) });
      let appAck: string | undefined;
      const done = al.answer.then((a) => { appAck = a.ack; });
      await new Promise((r) => setTimeout(r, 100));
      expect(appAck, 'no application ACK before the fsync').to.equal(undefined);
      expect(held.calls()).to.be.greaterThan(0);
      open();
      await done;
      expect(msa(appAck).code).to.equal('AA');
      held.restore();
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});
