import { expect } from 'chai';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logging.js';
import { adt, MllpClient, msa, registerTestFlow, startTest, tempDir, API_KEY } from './support/gateway.js';

function memoryLog(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
  return { log: createLogger(level, stream), lines };
}

describe('logging: structured JSON, no PHI above debug', () => {
  it('redacts fields that may hold message bodies whatever the level', () => {
    const { log, lines } = memoryLog();
    log.info({ raw: 'MSH|secret', body: { name: 'x' }, nested: { resource: { id: 1 } }, id: 7 }, 'test');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec.raw).to.equal('[redacted]');
    expect(rec.body).to.equal('[redacted]');
    expect((rec.nested as Record<string, unknown>).resource).to.equal('[redacted]');
    expect(rec.id).to.equal(7);
  });

  it('an MLLP exchange, an HTTP post and an error leave ids in the log, never patient data or raw HL7', async () => {
    const tmp = tempDir();
    const { remove } = registerTestFlow();
    const { log, lines } = memoryLog('info');
    const gw = await startTest(join(tmp.dir, 'fd.db'), {}, { log });
    try {
      const c = await MllpClient.connect(gw.mllp[0]!.address().port);
      expect(msa(await c.roundTrip(adt('LOG1', { mrn: 'SECRETMRN', family: 'Zzyzxpatient' }))).code).to.equal('AA');
      expect(msa(await c.roundTrip(adt('LOG2', { mrn: '', family: 'Zzyzxpatient' }).replace('PID|1||^^^FAC^MR', 'PID|1||'))).code).to.equal('AE');
      c.close();
      await fetch(`${gw.http.url}/office/registration`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ recordType: 'registration', familyName: 'Zzyzxpatient' }) });
    } finally {
      await gw.close();
      remove();
      tmp.cleanup();
    }
    const all = lines.join('\n');
    expect(lines.length).to.be.greaterThan(3);
    expect(all).to.contain('LOG1'); // control ids are fine: they identify the message, not the patient
    expect(all).to.not.contain('Zzyzxpatient');
    expect(all).to.not.contain('SECRETMRN');
    expect(all).to.not.contain('MSH|');
    expect(all).to.not.contain(API_KEY);
  });
});
