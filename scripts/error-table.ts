/**
 * Writes the error-code catalogue (src/domain/errors.ts) into README.md between the
 * <!-- error-codes:start --> and <!-- error-codes:end --> markers: `npm run docs:errors`.
 * test/domain/errors.test.ts fails when the README and the catalogue disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/domain/errors.js';

export function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, s]) => `| \`${code}\` | ${s.fhirType} | ${s.http} | ${s.hl7} | ${s.retry ? 'yes' : 'no'} | ${s.summary} |`,
  );
  return ['| code | FHIR issue type | HTTP | HL7 0357 | retry | meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

const START = '<!-- error-codes:start -->';
const END = '<!-- error-codes:end -->';

if (process.argv[1]?.endsWith('error-table.ts')) {
  const readme = readFileSync('README.md', 'utf8');
  const a = readme.indexOf(START), b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error('README.md lacks the error-codes markers');
  writeFileSync('README.md', readme.slice(0, a + START.length) + '\n' + errorTable() + '\n' + readme.slice(b));
}
