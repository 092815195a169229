/**
 * Per-patient processing order (src/store/processing.ts claimForProcessing): a patient's later
 * message is not processed while an earlier one is still unprocessed, whichever channel (SQLite,
 * one gateway with two channels) or instance (PostgreSQL leg: two gateways on one store, two
 * channels each) each came in on. Each message of a patient is sent once the previous one's commit
 * ACK came back (enhanced mode: MSH-15 AL, MSH-16 NE), so the earlier one is committed first; its
 * processing is then held back by a random delay (pinned seed), which without the order check
 * lets a later message of the same patient, committed elsewhere, overtake it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { join } from 'node:path';
import { MllpClient, adt, msa, registerTestFlow, startTest, tempDir, type TestFlow } from '../support/gateway.js';
import { TEST_ENGINE } from '../support/engine.js';
import type { Gateway } from '../../src/gateway.js';
import type { Hl7Message } from '../../src/hl7/message.js';
import { prng } from '../../scripts/chaos.js';

describe(`runtime: per-patient processing order across channels${TEST_ENGINE === 'postgres' ? ' and instances' : ''} (${TEST_ENGINE})`, function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let flow: TestFlow;
  let remove: () => void;
  const gateways: Gateway[] = [];
  /** Control ids in the order the flow ran them (committed runs only: nothing fails here). */
  let runs: Array<{ mrn: string; controlId: string }> = [];

  beforeEach(() => {
    tmp = tempDir();
    runs = [];
    ({ flow, remove } = registerTestFlow());
    const run = flow.run.bind(flow);
    flow.run = (msg: Hl7Message, ...rest) => {
      runs.push({ mrn: msg.segment('PID')?.get(3) ?? '', controlId: msg.segment('MSH')?.get(10) ?? '' });
      return run(msg, ...rest);
    };
  });
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close();
    remove();
    tmp.cleanup();
  });

  async function start(random: () => number, instances: number): Promise<number[]> {
    const db = join(tmp.dir, 'fd.db');
    const ports: number[] = [];
    for (let i = 0; i < instances; i++) {
      const gw = await startTest(db, {
        instance: `order-${i}`,
        channels: [
          { name: 'adt-a', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: [] },
          { name: 'adt-b', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: [] },
        ],
      }, {
        noHttp: true,
        // Processing of a committed message starts 0-60 ms late: later messages of the patient,
        // committed meanwhile on the other channel or instance, would otherwise go first.
        hooks: { afterCommit: () => new Promise((r) => setTimeout(r, Math.floor(random() * 60))) },
      });
      gateways.push(gw);
      ports.push(...gw.mllp.map((l) => l.address().port));
    }
    return ports;
  }

  it('processes each patient\'s messages in the order they were committed, wherever each arrived', async () => {
    const random = prng(fc.readConfigureGlobal().seed ?? 20261206);
    const ports = await start(random, TEST_ENGINE === 'postgres' ? 2 : 1);
    const patients = Array.from({ length: 6 }, (_, p) => `ORD${p}`);
    const perPatient = 6;
    const sent = new Map<string, string[]>();
    await Promise.all(patients.map(async (mrn) => {
      const conns = await Promise.all(ports.map((p) => MllpClient.connect(p)));
      const ids: string[] = [];
      sent.set(mrn, ids);
      try {
        for (let i = 0; i < perPatient; i++) {
          const controlId = `${mrn}-${i}`;
          const c = conns[Math.floor(random() * conns.length)]!;
          // The family name changes with every message: the Patient kept at the end is the last one's.
          const ack = await c.roundTrip(adt(controlId, { mrn, event: i === 0 ? 'A04' : 'A08', family: `Family${i}`, msh15: 'AL', msh16: 'NE' }));
          expect(msa(ack)).to.deep.equal({ code: 'CA', controlId });
          ids.push(controlId);
        }
      } finally {
        for (const c of conns) c.close();
      }
    }));
    // Every message processed (the last gateway's store sees all rows: one store on both legs).
    const store = gateways[0]!.store;
    const deadline = Date.now() + 60_000;
    while ((await store.messages.count({ state: 'processed' })) < patients.length * perPatient) {
      expect(Date.now(), 'all messages processed in time').to.be.below(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await store.messages.count({})).to.equal(patients.length * perPatient);
    for (const mrn of patients) {
      expect(runs.filter((r) => r.mrn === mrn).map((r) => r.controlId), `processing order of ${mrn}`).to.deep.equal(sent.get(mrn));
    }
    // Every message was processed once (one attempt each).
    for (const m of await store.messages.list({ limit: 1000 })) expect(m.attempts, `attempts of ${m.controlId}`).to.equal(1);
    // The patient kept is the last message's, as it would be with one sender on one connection.
    const patientsStored = await store.resources.listOfType<{ resourceType: 'Patient'; identifier: Array<{ value: string }>; name: Array<{ family: string }> }>('Patient');
    expect(patientsStored.map((p) => [p.identifier[0]!.value, p.name[0]!.family]).sort()).to.deep.equal(patients.map((m) => [m, `Family${perPatient - 1}`]));
    // The channels and (PostgreSQL) instances all took part.
    const channels = new Set((await store.messages.list({ limit: 1000 })).map((m) => m.channel));
    expect([...channels].sort()).to.deep.equal(['adt-a', 'adt-b']);
  });

  it('a message whose earlier message of the same patient failed an attempt is not held until a restart: the earlier one is tried again first', async () => {
    const ports = await start(() => 0, 1);
    const c = await MllpClient.connect(ports[0]!);
    try {
      flow.explode = true;
      // Original mode: the first message's application ACK is AR (internal error, kept 'received').
      expect(msa(await c.roundTrip(adt('FAIL-0', { mrn: 'FAIL', family: 'First' })))).to.deep.equal({ code: 'AR', controlId: 'FAIL-0' });
      flow.explode = false;
      const a = msa(await c.roundTrip(adt('FAIL-1', { mrn: 'FAIL', event: 'A08', family: 'Second' })));
      expect(a).to.deep.equal({ code: 'AA', controlId: 'FAIL-1' });
    } finally {
      c.close();
    }
    const rows = (await gateways[0]!.store.messages.list()).sort((x, y) => x.id - y.id);
    // The failed one was processed again first (now that the flow works), then the later one.
    expect(rows.map((r) => [r.controlId, r.state])).to.deep.equal([['FAIL-0', 'processed'], ['FAIL-1', 'processed']]);
    expect(runs.map((r) => r.controlId)).to.deep.equal(['FAIL-0', 'FAIL-0', 'FAIL-1']);
  });
});
