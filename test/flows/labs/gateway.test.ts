/**
 * The labs flow behind the real gateway: MLLP on a loopback socket, a SQLite store in a temp dir.
 * Checks what the lab sees (the ACK and its ERR segments) and what the office gets (stored
 * resources, results-inbox records), including a late preliminary after a stored final.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Observation } from 'fhir/r4.js';
import type { Gateway } from '../../../src/gateway.js';
import { MllpClient, errSegments, msa, originalAckMode, startTest, tempDir } from '../../support/gateway.js';
import type { DiagnosticReport } from 'fhir/r4.js';
import { oruWithPdf } from '../../../examples/hl7v2/labs/generate.js';
import { convert, example, observations, reports } from '../../support/labs.js';

/** Original acknowledgment mode (MSH-15/16 empty): one application ACK per message. */
const original = originalAckMode;

describe('labs: ORU^R01 through the gateway (MLLP, store, ACK)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let client: MllpClient;

  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      // The gateway's default frame limit (16 MB), so a report with an embedded PDF fits.
      mllp: { host: '127.0.0.1', maxFrameBytes: 16 * 1024 * 1024, frameTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
      channels: [{ name: 'labs', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
    }, { noHttp: true });
    client = await MllpClient.connect(gw.mllp[0]!.address().port);
  });

  after(async () => {
    client.close();
    await gw.close();
    tmp.cleanup();
  });

  async function send(text: string) {
    const ack = await client.roundTrip(text);
    const m = msa(ack);
    const row = (await gw.store.messages.list({ controlId: m.controlId }))[0]!;
    return { ack, code: m.code, row: (await gw.store.messages.get(row.id))! };
  }

  it('a final CBC is acknowledged AA, stored, and gives its inbox record', async () => {
    const r = await send(original(example('oru-r01-cbc-final.hl7')));
    expect(r.code).to.equal('AA', JSON.stringify(r.row.issues.filter((i) => i.severity === 'error')));
    expect(r.row.flow).to.equal('oru-lab-results');
    expect(await gw.store.resources.count('DiagnosticReport')).to.equal(1);
    expect(await gw.store.resources.count('Observation')).to.equal(6);
    const inbox = (await gw.store.officeRecords.of(r.row.id)).filter((x) => x.recordType === 'results-inbox-item');
    expect(inbox).to.have.length(1);
    expect(inbox[0]).to.deep.include({ abnormalFlag: 'critical', reportStatus: 'final' });
  });

  it('a late preliminary does not undo the stored final result', async () => {
    const r = await send(original(example('oru-r01-cbc-preliminary.hl7')));
    expect(r.code).to.equal('AA');
    const id = observations(convert(example('oru-r01-cbc-final.hl7')).bundle)[0]!.id!;
    const stored = (await gw.store.resources.get('Observation', id))!.resource as Observation;
    expect([stored.status, stored.valueQuantity?.value]).to.deep.equal(['final', 10.2]);
  });

  it('a correction updates the same resources', async () => {
    const r = await send(original(example('oru-r01-cbc-corrected.hl7')));
    expect(r.code).to.equal('AA');
    expect(await gw.store.resources.count('DiagnosticReport')).to.equal(1);
    expect(await gw.store.resources.count('Observation')).to.equal(6);
    const id = observations(convert(example('oru-r01-cbc-final.hl7')).bundle)[0]!.id!;
    const stored = (await gw.store.resources.get('Observation', id))!;
    expect([(stored.resource as Observation).status, (stored.resource as Observation).valueQuantity?.value]).to.deep.equal(['corrected', 12.8]);
    expect(stored.versionId).to.be.greaterThan(1);
  });

  it('a result that cannot be read is not acknowledged AA: ERR-2 names OBX^2^5', async () => {
    const bad = [
      'MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01^ORU_R01|GW-BAD-1|P|2.5.1',
      'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F',
      'OBR|1|ORD9^FDORDERS|LAB9^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F',
      'OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|135-145|N|||F',
      'OBX|2|NM|2345-7^Glucose^LN||1O2|mg/dL|||||F',
    ].join('\r') + '\r';
    const r = await send(bad);
    expect(r.code).to.be.oneOf(['AE', 'AR']);
    const errs = errSegments(r.ack);
    expect(errs.some((e) => e.split('|')[2]?.startsWith('OBX^2^5'))).to.equal(true, errs.join('\n'));
  });

  it('a 5 MB PDF report arrives over MLLP and is stored whole', async () => {
    const text = original(oruWithPdf(5 * 1024 * 1024));
    const r = await send(text);
    expect(r.code).to.equal('AA', r.ack);
    const id = reports(convert(text).bundle)[0]!.id!;
    const dr = (await gw.store.resources.get('DiagnosticReport', id))!.resource as DiagnosticReport;
    expect(dr.presentedForm?.[0]?.data?.length).to.be.greaterThan(5 * 1024 * 1024);
  });
});
