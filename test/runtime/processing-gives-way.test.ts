/**
 * #17, ACK latency: a processing commit of messages whose senders want nothing after the commit ACK
 * (MSH-16 NE) gives way to a frame that arrives while it runs: the frame is committed and
 * acknowledged before the rest of that commit's messages are processed, instead of after them
 * (src/runtime/pipeline.ts, flush: giveWay). Nothing else changes: each of them is still processed,
 * in its order, and the frame's commit ACK still comes only after its commit.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { describeOn } from '../support/engine.js';
import { adt, msa, startTest, tempDir } from '../support/gateway.js';
import { GIVE_WAY_AFTER_MS, type Reception } from '../../src/runtime/pipeline.js';

describeOn('sqlite', 'runtime (SQLite): processing gives way to arriving frames', () => {
  it('a frame arriving during a processing commit of NE messages is acknowledged before the rest of them are processed', async () => {
    const tmp = tempDir();
    // E1..E5 are held after their commit until released together, so one processing commit takes them all.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const held = new Set<number>();
    let holding = false;
    const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, {
      noHttp: true,
      hooks: { afterCommit: (id) => (held.has(id) || holding ? (held.add(id), gate) : Promise.resolve()) },
    });
    try {
      const channel = gw.pipeline.channel('reg');
      const inbound = (raw: string) => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw });
      const ne = (id: string, mrn: string) => inbound(adt(id, { mrn, msh15: 'AL', msh16: 'NE' }));
      // Warm-up: the flows loaded, so a run is quick and a commit's budget does not split E1..E5 by itself.
      const e0 = await gw.pipeline.receive(ne('E0', 'P0'));
      expect(e0.ok && (await e0.answer).state).to.equal('processed');
      holding = true;
      const names = new Map<number, string>();
      const rs: Reception[] = [];
      for (let i = 1; i <= 5; i++) {
        const r = await gw.pipeline.receive(ne(`E${i}`, `P${i}`));
        expect(r.ok).to.equal(true);
        if (r.ok) names.set(r.id, `E${i}`);
        rs.push(r);
      }
      holding = false;
      // Intake quiet again (no share rule holds processing back).
      await new Promise((r) => setTimeout(r, 60));
      const order: string[] = [];
      let e6: Promise<Reception> | undefined;
      /* eslint-disable @typescript-eslint/no-explicit-any */
      const pl = gw.pipeline as any;
      const runOne = pl.processOne.bind(pl);
      pl.processOne = async (...args: unknown[]) => {
        const name = names.get(args[1] as number);
        // E1's run takes more than GIVE_WAY_AFTER_MS (a commit gives way only after that much processing).
        if (name === 'E1') for (const t = performance.now(); performance.now() - t < GIVE_WAY_AFTER_MS + 1;);
        const a = await runOne(...args);
        if (name) order.push(`run ${name}`);
        // E6 arrives while E1's processing commit is open.
        if (name === 'E1') e6 = gw.pipeline.receive(ne('E6', 'P6')).then((r) => { order.push('E6 acknowledged'); return r; });
        return a;
      };
      /* eslint-enable @typescript-eslint/no-explicit-any */
      release();
      const answers = await Promise.all(rs.map((r) => (r.ok ? r.answer : Promise.reject(new Error('not stored')))));
      expect(answers.map((a) => a.state)).to.deep.equal(['processed', 'processed', 'processed', 'processed', 'processed']);
      expect(e6, 'E6 was sent during E1\'s run').to.not.equal(undefined);
      const r6 = await e6!;
      expect(r6.ok && msa(r6.commitAck).code).to.equal('CA');
      expect(order.indexOf('run E1')).to.equal(0);
      expect(order.indexOf('E6 acknowledged'), order.join(', ')).to.equal(1);
      // The rest in their order.
      expect(order.filter((o) => o.startsWith('run'))).to.deep.equal(['run E1', 'run E2', 'run E3', 'run E4', 'run E5']);
      expect(r6.ok && (await r6.answer).state).to.equal('processed');
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});
