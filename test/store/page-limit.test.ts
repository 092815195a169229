import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../src/store/sqlite/db.js';
import { insertMessage, listMessages, matchingIds, orphanedIds, pendingIds } from '../../src/store/sqlite/messages.js';
import { claimDue, enqueue, listOutbox } from '../../src/store/sqlite/outbox.js';
import { listAudit, recordAudit } from '../../src/store/sqlite/audit.js';
import { loadSearchIndex, reindexResources, resourceHistory, typeHistory, upsertResource } from '../../src/store/sqlite/resources.js';
import { limitStep, PAGE_LIMIT_MAX, pageLimit } from '../../src/store/sqlite/statements.js';
import { tempDir } from '../support/gateway.js';

describe('store (SQLite): page sizes are written into the statements, from a closed set of steps', () => {
  it('rounds a page size up to a step of the 1-2-5 ladder: a few statements a decade, whatever the client asks', () => {
    expect([0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 50, 51, 100, 999, 1000, 10_000].map(limitStep))
      .to.deep.equal([0, 1, 2, 5, 5, 10, 10, 20, 20, 50, 50, 100, 100, 1000, 1000, 10_000]);
    const steps = new Set(Array.from({ length: 1001 }, (_, i) => limitStep(i)));
    expect([...steps]).to.deep.equal([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });

  it('writes only an integer into SQL: anything else is refused, a negative size is 0, a huge one the cap', () => {
    for (const bad of [Number.NaN, 1.5, Number.POSITIVE_INFINITY, '20 OFFSET 0; --' as unknown as number]) {
      expect(() => pageLimit(bad)).to.throw(RangeError);
    }
    expect(pageLimit(-5).sql).to.equal('LIMIT 0');
    expect(pageLimit(1e300).sql).to.equal(`LIMIT ${PAGE_LIMIT_MAX}`);
    expect(pageLimit(3).sql).to.equal('LIMIT 5');
    expect(pageLimit(3).cut([1, 2, 3, 4, 5])).to.deep.equal([1, 2, 3]);
    expect(pageLimit(3).cut([1, 2])).to.deep.equal([1, 2]);
  });

  const sources = () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../src/store/sqlite');
    return [...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)), join(dir, '../search-sql.ts')].flatMap((file) =>
      readFileSync(file, 'utf8').split('\n').map((line, i) => ({ at: `${file.split('/').slice(-2).join('/')}:${i + 1}`, file, line })));
  };

  it('no statement in src/store/sqlite binds its LIMIT', () => {
    const bound = /\bLIMIT\s+(?:\?|[@:$]\w+)/;
    expect(sources().filter((l) => bound.test(l.line)).map((l) => l.at)).to.deep.equal([]);
    // The scan itself sees a bound LIMIT where one is.
    expect(bound.test('ORDER BY id LIMIT @limit OFFSET @offset')).to.equal(true);
  });

  it('no LIKE of src/store/sqlite or the search SQL binds its pattern bare (SQLite would compile the statement at every run; messages.ts excepted, for now)', () => {
    const bare = /\bLIKE\s+(?:\?|[@:$]\w+)/;
    expect(sources().filter((l) => bare.test(l.line) && !l.file.endsWith('/messages.ts')).map((l) => l.at)).to.deep.equal([]);
    expect(bare.test("entity LIKE @entity ESCAPE '\\'")).to.equal(true);
    expect(bare.test("entity LIKE (@entity || '') ESCAPE '\\'")).to.equal(false);
  });

  describe('on a real SQLite file, a page size off the ladder returns exactly that many rows', () => {
    let tmp: ReturnType<typeof tempDir>;
    let db: Db;
    const T0 = new Date('2026-03-02T10:00:00.000Z');
    beforeEach(() => {
      tmp = tempDir();
      db = openDatabase(join(tmp.dir, 'fd.db'));
    });
    afterEach(() => {
      db.close();
      tmp.cleanup();
    });

    const addMessages = (n: number) => Array.from({ length: n }, (_, i) =>
      insertMessage(db, { channel: 'c1', source: 'mllp', contentType: 'hl7v2', raw: `MSH|${i}`, contentHash: `h-${i}`, controlId: `C${i}`, messageType: 'ADT^A04', ackMode: 'original' }, T0));

    it('pending, orphaned, listed and matching message ids', () => {
      const ids = addMessages(7);
      expect(pendingIds(db, 3)).to.deep.equal(ids.slice(0, 3));
      expect(pendingIds(db, 3, ids[2])).to.deep.equal(ids.slice(3, 6));
      expect(pendingIds(db, 0)).to.deep.equal([]);
      expect(orphanedIds(db, new Date(T0.getTime() + 1000), 3)).to.deep.equal(ids.slice(0, 3));
      expect(listMessages(db, { limit: 3, offset: 2 }).map((m) => m.id)).to.deep.equal([ids[4], ids[3], ids[2]]);
      expect(listMessages(db, { limit: 6, offset: 0, state: 'received' })).to.have.length(6);
      expect(matchingIds(db, { channel: 'c1' }, 3)).to.deep.equal(ids.slice(0, 3));
    });

    it('the outbox claim leases exactly the page size: the rows past it stay pending and are claimed next', () => {
      const ids = Array.from({ length: 5 }, (_, i) => enqueue(db, { destination: 'ehr', kind: 'hl7v2', payload: `MSH|${i}`, contentType: 'x-application/hl7-v2+er7', idempotencyKey: `k${i}` }, T0));
      expect(claimDue(db, { now: T0, limit: 3 }).map((i) => i.id)).to.deep.equal(ids.slice(0, 3));
      expect(listOutbox(db, { state: 'pending', limit: 10 }).map((i) => i.id)).to.deep.equal(ids.slice(3));
      expect(listOutbox(db, { limit: 4 })).to.have.length(4);
      expect(claimDue(db, { now: T0, limit: 3 }).map((i) => i.id)).to.deep.equal(ids.slice(3));
    });

    it('a state filter: a known state selects its rows, anything else matches none (it is bound, never written into the SQL)', () => {
      const ids = addMessages(3);
      enqueue(db, { destination: 'ehr', kind: 'hl7v2', payload: 'MSH|x', contentType: 'x-application/hl7-v2+er7', idempotencyKey: 'k' }, T0);
      const evil = "x' OR '1'='1" as never;
      expect(listMessages(db, { state: 'received' }).map((m) => m.id)).to.deep.equal([...ids].reverse());
      expect(listMessages(db, { state: 'processed' })).to.deep.equal([]);
      expect(listMessages(db, { state: evil })).to.deep.equal([]);
      expect(matchingIds(db, { state: evil })).to.deep.equal([]);
      expect(listOutbox(db, { state: 'pending' })).to.have.length(1);
      expect(listOutbox(db, { state: evil })).to.deep.equal([]);
    });

    it('resource history, type history and a reindex chunk', async () => {
      await loadSearchIndex();
      for (let v = 0; v < 7; v++) upsertResource(db, { resourceType: 'Patient', id: 'p1', gender: v % 2 ? 'male' : 'female', birthDate: `19${10 + v}-01-01` } as Patient, null, new Date(T0.getTime() + v * 1000));
      for (let i = 2; i <= 4; i++) upsertResource(db, { resourceType: 'Patient', id: `p${i}` }, null, new Date(T0.getTime() + 10_000 + i));
      expect(resourceHistory(db, 'Patient', 'p1', { limit: 3 }).map((v) => v.versionId)).to.deep.equal([7, 6, 5]);
      expect(resourceHistory(db, 'Patient', 'p1', { limit: 3, offset: 5 }).map((v) => v.versionId)).to.deep.equal([2, 1]);
      expect(typeHistory(db, 'Patient', { limit: 4 }).map((v) => `${v.id}/${v.versionId}`)).to.deep.equal(['p4/1', 'p3/1', 'p2/1', 'p1/7']);
      const chunk = reindexResources(db, undefined, { type: 'Patient', limit: 3 });
      expect(chunk).to.deep.include({ resources: 3, last: { type: 'Patient', id: 'p3' } });
      expect(reindexResources(db, chunk.last, { type: 'Patient', limit: 3 })).to.deep.include({ resources: 1, last: { type: 'Patient', id: 'p4' } });
    });

    it('the audit list', () => {
      for (let i = 0; i < 7; i++) {
        recordAudit(db, { at: T0.toISOString(), actor: `a${i}`, actorKind: 'api-key', clientAddress: null, action: 'read', entity: `Patient/${i}`, query: null, method: 'GET', path: '/fhir/Patient', status: 200, outcome: 'success', detail: null });
      }
      expect(listAudit(db, { limit: 3, offset: 1 }).map((r) => r.actor)).to.deep.equal(['a5', 'a4', 'a3']);
    });
  });
});
