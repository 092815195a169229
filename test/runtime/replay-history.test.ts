/**
 * Replay keeps history, with the real flows over MLLP and the real HTTP operator API:
 * - every processing attempt is kept with its outcome, outputs and mapping version;
 * - `messages replay --dry-run` (CLI) and dryRun() print the diff and write nothing;
 * - replay over HTTP uses the mapping files on disk at that moment (not those cached at start);
 * - a replay that now answers AE leaves the original AA in the history.
 * The test edits mappings/patient.json (drops the PID.5 name rule) and restores it afterwards.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cliEnv } from '../support/engine.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { hashMappingFiles } from '../../src/mapping/version.js';
import { dryRun } from '../../src/runtime/replay.js';
import { API_KEY, MllpClient, msa, originalAckMode, startTest, tempDir } from '../support/gateway.js';

const PATIENT_MAPPING = resolve('mappings/patient.json');
const NAME_RULE = '        { "field": 5, "path": "name[]", "type": "XPN", "repeat": true, "note": "PID.5 patient name" },\n';

// spawnSync blocks this process, the gateway's too, for the seconds a CLI run takes: a kept-alive
// HTTP connection may then time out server-side just as fetch reuses it (ECONNRESET). Every fetch
// here asks for its own connection (connection: close).
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/frontdesk.js', ...args], { cwd: resolve('.'), encoding: 'utf8', env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', ...cliEnv(args) } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('runtime: replay keeps history and reads the mappings on disk', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let id: number;
  let patientId: string;
  const original = readFileSync(PATIENT_MAPPING, 'utf8');
  const restore = () => writeFileSync(PATIENT_MAPPING, original);

  before(async () => {
    expect(original).to.contain(NAME_RULE);
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      channels: [{ name: 'inbound', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
    });
    const c = await MllpClient.connect(gw.mllp[0]!.address().port);
    const m = msa(await c.roundTrip(originalAckMode(readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8'))));
    c.close();
    expect(m.code).to.equal('AA');
    id = (await gw.store.messages.list({ controlId: m.controlId }))[0]!.id;
    patientId = (await gw.store.resources.idsOfType('Patient'))[0]!;
  });
  after(async () => {
    restore();
    await gw.close();
    tmp.cleanup();
  });

  it('the first run is attempt 1, with its outcome, outputs and the mapping version', async () => {
    const attempts = await gw.store.processing.attemptsOf(id);
    expect(attempts).to.have.length(1);
    expect(attempts[0]).to.include({ seq: 1, reason: 'received', state: 'processed', ackCode: 'AA', mappingVersion: hashMappingFiles() });
    expect(JSON.stringify(attempts[0]!.outputs)).to.contain('Testpatient');
  });

  it('after a mapping edit on disk: the dry run shows AA -> AE and the lost output, and writes nothing', async () => {
    writeFileSync(PATIENT_MAPPING, original.replace(NAME_RULE, ''));
    try {
      const versionBefore = (await gw.store.resources.get('Patient', patientId))!.versionId;
      const d = await dryRun(gw.pipeline, [id]);
      expect(d.mappingVersion).to.equal(hashMappingFiles());
      const r = d.results[0]!;
      expect('missing' in r).to.equal(false);
      if ('missing' in r) return;
      expect(r.before).to.deep.equal({ state: 'processed', code: 'AA' });
      expect(r.after).to.deep.equal({ state: 'error', code: 'AE' });
      expect(r.changes).to.have.length.greaterThan(0);
      expect(await gw.store.processing.attemptsOf(id)).to.have.length(1);
      expect((await gw.store.resources.get('Patient', patientId))!.versionId).to.equal(versionBefore);
      expect((await gw.store.messages.get(id))!.state).to.equal('processed');

      // The CLI dry run, in its own process, on the same store: per message, the diff.
      const out = cli(['messages', 'replay', String(id), '--dry-run', '--db', gw.config.store.path]);
      expect(out.code).to.equal(0, out.err);
      expect(out.out).to.match(new RegExp(`^${id}\\s+processed AA -> error AE`, 'm'));
      expect(out.out).to.contain('1 of 1 would change');
      expect(out.out).to.contain('dry run: nothing written');
      expect(await gw.store.processing.attemptsOf(id)).to.have.length(1);

      // HTTP replay runs with the mappings on disk now (the running gateway cached the old ones).
      const res = await fetch(`${gw.http.url}/messages/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, connection: 'close' } });
      expect(res.status).to.equal(200);
      expect(((await res.json()) as { ackCode: string }).ackCode).to.equal('AE');
    } finally {
      restore();
    }
    const attempts = await gw.store.processing.attemptsOf(id);
    expect(attempts.map((a) => [a.seq, a.reason, a.state, a.ackCode])).to.deep.equal([[1, 'received', 'processed', 'AA'], [2, 'replay', 'error', 'AE']]);
    expect(attempts[1]!.mappingVersion).to.not.equal(attempts[0]!.mappingVersion);
    // The original outcome is still there, outputs and ACK included.
    expect(attempts[0]!.ack).to.match(/MSA\|AA/);
    expect(JSON.stringify(attempts[0]!.outputs)).to.contain('Testpatient');
    // And what it stored was not erased by the failing replay.
    expect(((await gw.store.resources.get('Patient', patientId))!.resource as Patient).name?.[0]?.family).to.equal('Testpatient');
  });

  it('replay after the mappings are restored: AA again, attempt 3 with the original mapping version; show lists all three', async () => {
    const res = await fetch(`${gw.http.url}/messages/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, connection: 'close' } });
    expect(((await res.json()) as { ackCode: string }).ackCode).to.equal('AA');
    const attempts = await gw.store.processing.attemptsOf(id);
    expect(attempts.map((a) => a.ackCode)).to.deep.equal(['AA', 'AE', 'AA']);
    expect(attempts[2]!.mappingVersion).to.equal(attempts[0]!.mappingVersion);

    const show = cli(['messages', 'show', String(id), '--db', gw.config.store.path]);
    expect(show.code).to.equal(0, show.err);
    const m = JSON.parse(show.out) as { attempts: Array<{ seq: number; reason: string; ackCode: string; mappingVersion: string; outputs?: unknown }> };
    expect(m.attempts.map((a) => `${a.seq}:${a.reason}:${a.ackCode}`)).to.deep.equal(['1:received:AA', '2:replay:AE', '3:replay:AA']);
    expect(m.attempts[0]!.outputs).to.equal(undefined); // outputs only with --outputs (PHI)

    const http = await fetch(`${gw.http.url}/messages/${id}`, { headers: { authorization: `Bearer ${API_KEY}`, connection: 'close' } });
    const body = (await http.json()) as { attempts: unknown[]; rawByteLength: number };
    expect(body.attempts).to.have.length(3);
    expect(body.rawByteLength).to.be.greaterThan(0);
  });
});
