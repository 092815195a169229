/**
 * The mapping version an attempt records is the one it ran with, also when the message was
 * processed in a worker thread (processing.offloadBytes): worker threads cache the mappings too,
 * so after a replay reloaded them from disk in the gateway, the next offloaded message must run
 * with the same, reloaded mappings, as a small message does. The test edits mappings/patient.json
 * (drops the PID.5 name rule, so an A04 answers AE) and restores it afterwards.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { hashMappingFiles } from '../../src/mapping/version.js';
import { API_KEY, MllpClient, msa, originalAckMode, startTest, tempDir } from '../support/gateway.js';

const PATIENT_MAPPING = resolve('mappings/patient.json');
const NAME_RULE = '        { "field": 5, "path": "name[]", "type": "XPN", "repeat": true, "note": "PID.5 patient name" },\n';
const a04 = (controlId: string) => {
  const [first, ...rest] = originalAckMode(readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8')).split('\r');
  const f = first!.split('|');
  f[9] = controlId;
  return [f.join('|'), ...rest].join('\r');
};

describe('runtime: offloaded processing runs with the mappings the attempt records', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let client: MllpClient;
  const original = readFileSync(PATIENT_MAPPING, 'utf8');
  const restore = () => writeFileSync(PATIENT_MAPPING, original);

  before(async () => {
    expect(original).to.contain(NAME_RULE);
    tmp = tempDir();
    // Every message is processed in a worker thread.
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      processing: { maxAttempts: 3, offloadBytes: 1, workers: 1 },
      channels: [{ name: 'inbound', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
    });
    client = await MllpClient.connect(gw.mllp[0]!.address().port);
  });
  after(async () => {
    restore();
    client.close();
    await gw.close();
    tmp.cleanup();
  });

  async function send(controlId: string) {
    const m = msa(await client.roundTrip(a04(controlId)));
    const id = (await gw.store.messages.list({ controlId }))[0]!.id;
    const attempts = await gw.store.processing.attemptsOf(id);
    return { code: m.code, id, version: attempts[attempts.length - 1]!.mappingVersion };
  }
  const replay = async (id: number) => {
    const res = await fetch(`${gw.http.url}/messages/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    return ((await res.json()) as { ackCode: string }).ackCode;
  };

  it('after a mapping edit and a replay, a new offloaded message runs with the edited mappings and records their version; after the restore, with the original ones', async () => {
    const first = await send('OFF-MAP-1');
    const originalVersion = hashMappingFiles();
    expect([first.code, first.version]).to.deep.equal(['AA', originalVersion]);
    writeFileSync(PATIENT_MAPPING, original.replace(NAME_RULE, ''));
    let editedVersion: string;
    try {
      editedVersion = hashMappingFiles();
      expect(await replay(first.id)).to.equal('AE');
      // The worker thread had cached the original mappings when it ran OFF-MAP-1.
      const second = await send('OFF-MAP-2');
      expect([second.code, second.version]).to.deep.equal(['AE', editedVersion]);
    } finally {
      restore();
    }
    expect(await replay(first.id)).to.equal('AA');
    const third = await send('OFF-MAP-3');
    expect([third.code, third.version]).to.deep.equal(['AA', originalVersion]);
    expect(editedVersion).to.not.equal(originalVersion);
  });
});
