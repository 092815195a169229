import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

describe('logging: pino is loaded on a logger\'s first use (the start to "HTTP listening" does without it)', () => {
  it('a logger and a child made before any line: pino not loaded; the first line loads it, with the child\'s bindings and the level kept', async () => {
    const { spawnSync } = await import('node:child_process');
    // A fresh process: this one has pino loaded already.
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pino/'));
      const { createLogger, settled } = await import(${JSON.stringify(pathToFileURL(resolve('src/logging.ts')).href)});
      const log = createLogger('warn');
      const child = log.child({ channel: 'lab' });
      const before = loaded();
      child.info({ id: 1 }, 'below the level: not written');
      const real = settled(child);
      console.log(JSON.stringify({ before, after: loaded(), level: real.level, bindings: real.bindings(), same: settled(real) === real }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out).to.deep.equal({ before: false, after: true, level: 'warn', bindings: { service: 'frontdesk', channel: 'lab' }, same: true });
  });
});
