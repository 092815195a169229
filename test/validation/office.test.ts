/**
 * Office records: schema chosen by recordType, ajv errors as issues with FHIRPath-like paths.
 * Uses a schema written into a temp folder so the assertions do not depend on the vertical
 * schemas; then checks every example in examples/office against the real schemas.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorCodeOf } from '../../src/domain/issues.js';
import { officeRecordTypes, validateOfficeRecord } from '../../src/validation/index.js';
import { pointerToPath, reloadOfficeSchemas } from '../../src/validation/office.js';

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['recordType', 'mrn', 'birthDate', 'insurance'],
  properties: {
    recordType: { const: 'test-registration' },
    mrn: { type: 'string', minLength: 1 },
    birthDate: { type: 'string', format: 'date' },
    sex: { enum: ['F', 'M', 'U'] },
    insurance: {
      type: 'array',
      items: {
        type: 'object',
        required: ['payerId', 'memberId'],
        properties: { payerId: { type: 'string' }, memberId: { type: 'string', minLength: 1 } },
      },
    },
  },
};

const valid = { recordType: 'test-registration', mrn: 'M1', birthDate: '1980-04-12', sex: 'F', insurance: [{ payerId: '60054', memberId: 'W1' }] };

const summary = (record: unknown): string[] => validateOfficeRecord(record).map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}`).sort();

describe('validation: office records', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-office-'));
    writeFileSync(join(dir, 'test-registration.schema.json'), JSON.stringify(schema));
    writeFileSync(join(dir, 'no-record-type.schema.json'), JSON.stringify({ type: 'object' }));
    const issues = reloadOfficeSchemas(dir);
    expect(issues.map((i) => errorCodeOf(i))).to.deep.equal(['OFFICE_SCHEMA']); // the schema without recordType.const
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    reloadOfficeSchemas();
  });

  it('picks the schema by recordType', () => {
    expect(officeRecordTypes()).to.deep.equal(['test-registration']);
    expect(summary(valid)).to.deep.equal([]);
  });

  it('reports a missing nested field at its path', () => {
    const r = structuredClone(valid) as any;
    delete r.insurance[0].memberId;
    expect(summary(r)).to.deep.equal(['OFFICE_SCHEMA@insurance[0].memberId']);
  });

  it('reports formats, enums, unknown fields and empty strings at their paths', () => {
    const r = { ...structuredClone(valid), birthDate: '12/04/1980', sex: 'female', nickname: 'x' } as any;
    r.insurance[0].memberId = '';
    expect(summary(r)).to.deep.equal(['OFFICE_SCHEMA@birthDate', 'OFFICE_SCHEMA@insurance[0].memberId', 'OFFICE_SCHEMA@nickname', 'OFFICE_SCHEMA@sex']);
    const sex = validateOfficeRecord(r).find((i) => i.expression?.[0] === 'sex')!;
    expect(sex.diagnostics).to.equal('sex must be one of F, M, U.');
  });

  it('an unknown or missing recordType is an issue at recordType', () => {
    expect(summary({ recordType: 'nope' })).to.deep.equal(['OFFICE_SCHEMA@recordType']);
    expect(summary({})).to.deep.equal(['OFFICE_SCHEMA@recordType']);
    expect(summary([])).to.deep.equal(['OFFICE_SCHEMA@']);
  });

  it('JSON pointers become FHIRPath-like paths', () => {
    expect(pointerToPath('/insurance/0/memberId')).to.equal('insurance[0].memberId');
    expect(pointerToPath('', 'mrn')).to.equal('mrn');
    expect(pointerToPath('/lines/2/modifiers/1')).to.equal('lines[2].modifiers[1]');
  });
});

describe('validation: every office example passes its schema', () => {
  const dir = resolve('examples/office');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const f of files) {
    it(f, () => {
      const record = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(validateOfficeRecord(record).filter((i) => i.severity === 'error')).to.deep.equal([]);
    });
  }
});
