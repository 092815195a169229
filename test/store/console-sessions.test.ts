import { expect } from 'chai';
import type { ConsoleSessionRecord } from '../../src/store/index.js';
import { tempStore, type TempStore } from './helpers.js';

const rec = (over: Partial<ConsoleSessionRecord> = {}): ConsoleSessionRecord => ({
  tokenHash: 'a'.repeat(64), operator: 'admin', via: 'key',
  createdAt: '2026-12-01T10:00:00.000Z', lastSeenAt: '2026-12-01T10:00:00.000Z', expiresAt: '2026-12-01T10:30:00.000Z', ...over,
});

describe('store: console sessions through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  it('keeps a session across a reopen, records its use, deletes it at logout', async () => {
    await t.store.consoleSessions.create(rec());
    await t.store.consoleSessions.create(rec({ tokenHash: 'b'.repeat(64), operator: 'jdoe@example.org', via: 'oauth:Office IdP' }));
    const s = await t.reopen();
    expect(await s.consoleSessions.get('a'.repeat(64))).to.deep.equal(rec());
    expect(await s.consoleSessions.touch('a'.repeat(64), '2026-12-01T10:10:00.000Z', '2026-12-01T10:40:00.000Z')).to.equal(true);
    expect(await s.consoleSessions.get('a'.repeat(64))).to.deep.include({ lastSeenAt: '2026-12-01T10:10:00.000Z', expiresAt: '2026-12-01T10:40:00.000Z' });
    expect((await s.consoleSessions.get('b'.repeat(64)))?.via).to.equal('oauth:Office IdP');
    expect(await s.consoleSessions.delete('a'.repeat(64))).to.equal(true);
    expect(await s.consoleSessions.delete('a'.repeat(64))).to.equal(false);
    expect(await s.consoleSessions.get('a'.repeat(64))).to.equal(undefined);
    expect(await s.consoleSessions.touch('a'.repeat(64), '2026-12-01T10:11:00.000Z', '2026-12-01T10:41:00.000Z')).to.equal(false);
  });

  it('purges the sessions that expired before now, and only those', async () => {
    await t.store.consoleSessions.create(rec({ tokenHash: '1'.repeat(64), expiresAt: '2026-12-01T10:30:00.000Z' }));
    await t.store.consoleSessions.create(rec({ tokenHash: '2'.repeat(64), expiresAt: '2026-12-01T11:30:00.000Z' }));
    expect(await t.store.consoleSessions.purgeExpired(new Date('2026-12-01T11:00:00.000Z'))).to.equal(1);
    expect(await t.store.consoleSessions.get('1'.repeat(64))).to.equal(undefined);
    expect(await t.store.consoleSessions.get('2'.repeat(64))).not.to.equal(undefined);
  });

  it('refuses a second session with the same token hash', async () => {
    await t.store.consoleSessions.create(rec());
    let failed = false;
    try { await t.store.consoleSessions.create(rec()); } catch { failed = true; }
    expect(failed).to.equal(true);
  });
});
