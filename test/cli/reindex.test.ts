import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Observation, Patient } from 'fhir/r4.js';
import { cliEnv, openTestStore } from '../support/engine.js';
import { execOnStore } from '../support/store-sql.js';
import { tempDir } from '../support/gateway.js';
import type { Store } from '../../src/store/index.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/frontdesk.js', ...args], { cwd: resolve('.'), encoding: 'utf8', env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', ...cliEnv(args) } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cli: frontdesk reindex rebuilds the search index from the stored resources', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const byIdentifier = async (store: Store, value: string) =>
    (await store.resources.search({ type: 'Patient', where: [[{ kind: 'token', param: 'identifier', code: value }]], limit: 10, offset: 0, total: true })).total;
  const byCode = async (store: Store) =>
    (await store.resources.search({ type: 'Observation', where: [[{ kind: 'token', param: 'code', code: '2345-7' }]], limit: 10, offset: 0, total: true })).total;

  before(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'fd.db');
    const store = openTestStore(db);
    for (let i = 1; i <= 3; i++) {
      const p: Patient = { resourceType: 'Patient', id: `rx-${i}`, identifier: [{ system: 'urn:test:mrn', value: `RX-${i}` }], name: [{ family: `Reindex${i}` }] };
      await store.resources.upsert(p, null);
    }
    const o: Observation = { resourceType: 'Observation', id: 'rx-obs', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, subject: { reference: 'Patient/rx-1' } };
    await store.resources.upsert(o, null);
    expect(await byIdentifier(store, 'RX-2')).to.equal(1);
    // As if the index were built under other search parameters: nothing of today's, one row of a parameter since removed.
    await execOnStore(store, "DELETE FROM search_index; INSERT INTO search_index (resource_type, id, param, value) VALUES ('Patient', 'rx-1', 'shoe-size', '42')");
    expect(await byIdentifier(store, 'RX-2')).to.equal(0);
    await store.close();
  });
  after(() => tmp.cleanup());

  it('--type rebuilds one type; without it every type, in batches; versions do not move; audited', async () => {
    const one = cli(['reindex', '--db', db, '--type', 'Patient']);
    expect(one.code, one.err).to.equal(0);
    expect(one.out).to.match(/reindexed 3 resources of type Patient: \d+ index rows/);
    let store = openTestStore(db);
    try {
      expect(await byIdentifier(store, 'RX-2')).to.equal(1);
      expect(await byCode(store)).to.equal(0);
      // The removed parameter's row went with the rewrite of its resource.
      expect((await store.resources.search({ type: 'Patient', where: [[{ kind: 'missing', param: 'shoe-size', missing: false }]], limit: 10, offset: 0, total: true })).total).to.equal(0);
    } finally {
      await store.close();
    }
    const all = cli(['reindex', '--db', db, '--batch', '2']);
    expect(all.code, all.err).to.equal(0);
    expect(all.out).to.contain('reindexed 4 resources');
    store = openTestStore(db);
    try {
      expect(await byCode(store)).to.equal(1);
      expect(await byIdentifier(store, 'RX-3')).to.equal(1);
      expect((await store.resources.get('Patient', 'rx-1'))!.versionId).to.equal(1);
      expect((await store.audit.list({ action: 'reindex' })).length).to.equal(2);
    } finally {
      await store.close();
    }
  });

  it('a type without indexed parameters is a usage error (exit 2) naming the searchable types', () => {
    const r = cli(['reindex', '--db', db, '--type', 'Patinet']);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('Patinet').and.to.contain('Patient');
  });
});
