import { expect } from 'chai';
import { OFFICE_RECORD_TYPES } from '../../src/domain/office-record.js';
import { officeRecordTypes } from '../../src/validation/index.js';

describe('domain: the office record union', () => {
  it('has one member per office record schema in profiles/office/, and no other', () => {
    expect([...officeRecordTypes()].sort()).to.deep.equal([...OFFICE_RECORD_TYPES].sort());
  });
});
