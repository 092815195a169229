/** Runs the case manifest test/fixtures/validation/manifest.json. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { validateResource } from '../../src/validation/index.js';

interface Expected { code: string; expression: string; severity?: string }
interface Case { name: string; input?: string; resource?: unknown; profile?: string; otherwise?: 'base' | 'frontdesk'; expect: Expected[] }

const manifest = JSON.parse(readFileSync(resolve('test/fixtures/validation/manifest.json'), 'utf8')) as { cases: Case[] };

const key = (code: string, expression: string): string => `${code}@${expression}`;
const isError = (s: string | undefined): boolean => s === undefined || s === 'error' || s === 'fatal';

describe('validation: case manifest', () => {
  for (const c of manifest.cases) {
    it(c.name, () => {
      const resource = c.input ? JSON.parse(readFileSync(resolve(c.input), 'utf8')) : c.resource;
      const issues: Issue[] = validateResource(resource, { ...(c.profile ? { profile: c.profile } : {}), ...(c.otherwise ? { otherwise: c.otherwise } : {}) });
      const got = issues.filter((i) => isError(i.severity)).map((i) => key(errorCodeOf(i) ?? i.code, i.expression?.join(',') ?? '')).sort();
      const want = c.expect.filter((e) => isError(e.severity)).map((e) => key(e.code, e.expression)).sort();
      expect(got, JSON.stringify(issues.map((i) => i.diagnostics))).to.deep.equal(want);
      for (const e of c.expect.filter((x) => !isError(x.severity))) {
        const hit = issues.find((i) => i.severity === e.severity && errorCodeOf(i) === e.code && i.expression?.[0] === e.expression);
        expect(hit, `${e.severity} ${key(e.code, e.expression)} in ${JSON.stringify(issues.map((i) => `${i.severity} ${errorCodeOf(i)}@${i.expression}`))}`).to.not.equal(undefined);
      }
    });
  }
});
