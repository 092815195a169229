import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryRouter } from '../../src/http/deliveries-and-jobs.js';
import { rawBody } from '../../src/http/body.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { tempDb, type TempDb } from './helpers.js';

describe('http: delivery and dead-letter routes', () => {
  let t: TempDb;
  let server: Server;
  let base: string;
  let replays = 0;
  let dead: number[];

  beforeEach(async () => {
    t = tempDb();
    replays = 0;
    dead = [];
    for (const [k, d] of [['a', 'ehr'], ['b', 'ehr'], ['c', 'lab']] as const) {
      const id = await t.store.outbox.enqueue({ destination: d, kind: 'hl7v2', payload: `MSH|secret-${k}`, contentType: 'application/hl7-v2', idempotencyKey: k });
      dead.push(id);
    }
    await t.store.outbox.claimDue();
    for (const id of dead) await t.store.outbox.markDead(id, { errorCode: 'DELIVERY_REJECTED', partnerStatus: 'AR', partnerResponse: 'MSA|AR' });
    await t.store.outbox.enqueue({ destination: 'ehr', kind: 'hl7v2', payload: 'MSH|x', contentType: 'application/hl7-v2', idempotencyKey: 'pending' });
    const app = express();
    const jobs = { store: t.store, config: parseDeliveryConfig({}).value! };
    app.use(rawBody(1_000_000), deliveryRouter({ store: t.store, jobs, onReplay: () => replays++ }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('lists dead letters without payloads, and shows one with its attempts', async () => {
    const r = await fetch(`${base}/deliveries?state=dead`);
    const body = (await r.json()) as { deliveries: Array<Record<string, unknown>> };
    expect(body.deliveries.map((d) => d.id)).to.deep.equal(dead);
    expect(JSON.stringify(body)).to.not.contain('secret');
    const one = (await (await fetch(`${base}/deliveries/${dead[0]}`)).json()) as Record<string, unknown>;
    expect(one).to.include({ state: 'dead', partnerStatus: 'AR' });
    expect(one).to.not.have.property('payload');
    expect((one.attempts as unknown[]).length).to.equal(1);
    const withPayload = (await (await fetch(`${base}/deliveries/${dead[0]}?payload=true`)).json()) as Record<string, unknown>;
    expect(withPayload.payload).to.equal('MSH|secret-a');
  });

  it('replays one dead item; 409 for an item that is not dead, 404 for none, 400 for a bad id', async () => {
    const r = await fetch(`${base}/deliveries/${dead[0]}/replay`, { method: 'POST' });
    expect(r.status).to.equal(200);
    expect((await t.store.outbox.get(dead[0]!))!.state).to.equal('pending');
    expect(replays).to.equal(1);
    const again = await fetch(`${base}/deliveries/${dead[0]}/replay`, { method: 'POST' });
    expect(again.status).to.equal(409);
    expect(again.headers.get('content-type')).to.contain('application/fhir+json');
    expect(((await again.json()) as { resourceType: string }).resourceType).to.equal('OperationOutcome');
    expect((await fetch(`${base}/deliveries/999/replay`, { method: 'POST' })).status).to.equal(404);
    expect((await fetch(`${base}/deliveries/abc`)).status).to.equal(400);
  });

  it('replays every dead item of a destination', async () => {
    const r = await fetch(`${base}/deliveries/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destination: 'ehr' }) });
    expect(await r.json()).to.deep.equal({ replayed: 2 });
    expect(await Promise.all(dead.map(async (id) => (await t.store.outbox.get(id))!.state))).to.deep.equal(['pending', 'pending', 'dead']);
  });

  it('runs a job once and lists the run', async () => {
    const r = await fetch(`${base}/jobs/retention/run`, { method: 'POST' });
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.include({ job: 'retention', outcome: 'ok' });
    const runs = (await (await fetch(`${base}/jobs`)).json()) as { runs: Array<{ job: string; trigger: string }> };
    expect(runs.runs[0]).to.include({ job: 'retention', trigger: 'api' });
    expect((await fetch(`${base}/jobs/nightly/run`, { method: 'POST' })).status).to.equal(404);
  });
});
