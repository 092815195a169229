import { expect } from 'chai';
import Database from 'better-sqlite3';
import { SEARCH_STATEMENTS, searchStmt } from '../../src/store/sqlite/statements.js';

describe('store (SQLite): search statements are prepared once per shape, at most SEARCH_STATEMENTS kept', () => {
  it('reuses the statement of a repeated SQL text, and drops the least recently used one past the bound', () => {
    const db = new Database(':memory:');
    try {
      const sql = (i: number) => `SELECT ${i} AS n, ? AS v`;
      const first = searchStmt(db, sql(0));
      expect(searchStmt(db, sql(0))).to.equal(first);
      expect((searchStmt(db, sql(0)).get('x') as { n: number; v: string })).to.deep.equal({ n: 0, v: 'x' });
      // Fill past the bound while touching shape 0 now and then: it stays; shape 1, never used again, goes.
      const second = searchStmt(db, sql(1));
      for (let i = 2; i < SEARCH_STATEMENTS + 10; i++) {
        searchStmt(db, sql(i));
        if (i % 50 === 0) expect(searchStmt(db, sql(0))).to.equal(first);
      }
      expect(searchStmt(db, sql(0))).to.equal(first);
      const again = searchStmt(db, sql(1));
      expect(again).to.not.equal(second);
      expect((again.get('y') as { n: number; v: string })).to.deep.equal({ n: 1, v: 'y' });
    } finally {
      db.close();
    }
  });
});
