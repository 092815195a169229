import { expect } from 'chai';
import { buildAck, buildRejectForUnreadable, parseLocation } from '../../src/hl7/ack.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { issue } from '../../src/domain/issues.js';

const inbound = parseHl7('MSH|^~\\&|LABSYS^1.2.3^ISO|HOSP|FRONTDESK|CLINIC|20240101120000||ORU^R01^ORU_R01|MSG00042|P|2.5.1|||AL|NE\rPID|1||123\r').value!;

describe('hl7/ack: buildAck', () => {
  it('swaps sender and receiver, echoes MSH-10 in MSA-2, keeps version and processing id', () => {
    const ack = parseHl7(buildAck(inbound, { code: 'AA', controlId: 'A1' }).toString()).value!;
    expect(ack.msh.raw(3)).to.equal('FRONTDESK');
    expect(ack.msh.raw(4)).to.equal('CLINIC');
    expect(ack.msh.raw(5)).to.equal('LABSYS^1.2.3^ISO');
    expect(ack.msh.raw(6)).to.equal('HOSP');
    expect(ack.messageType).to.equal('ACK^R01');
    expect(ack.msh.get(9, 3)).to.equal('ACK');
    expect(ack.controlId).to.equal('A1');
    expect(ack.msh.raw(11)).to.equal('P');
    expect(ack.version).to.equal('2.5.1');
    expect(ack.segment('MSA')!.get(1)).to.equal('AA');
    expect(ack.segment('MSA')!.get(2)).to.equal('MSG00042');
    expect(ack.all('ERR')).to.have.length(0);
  });

  it('writes ERR-2 location, ERR-3 table 0357 code and ERR-4 severity for each issue', () => {
    const issues = [
      issue('HL7_FIELD_REQUIRED', 'PID-3 patient identifier list is required.', 'PID.3'),
      issue('HL7_DATATYPE', 'OBX-5 is not numeric.', 'OBX[3].5.1', 'warning'),
      issue('FHIR_VALUE', 'no HL7 location', 'Patient.birthDate'),
    ];
    const ack = parseHl7(buildAck(inbound, { code: 'AE', issues }).toString()).value!;
    expect(ack.segment('MSA')!.get(1)).to.equal('AE');
    const errs = ack.all('ERR');
    expect(errs).to.have.length(3);
    expect(errs[0]!.components(2)).to.deep.equal(['PID', '1', '3', '1']);
    expect(errs[0]!.get(3, 1)).to.equal('101');
    expect(errs[0]!.get(3, 3)).to.equal('HL70357');
    expect(errs[0]!.get(4)).to.equal('E');
    expect(errs[0]!.get(5, 1)).to.equal('HL7_FIELD_REQUIRED');
    expect(errs[0]!.get(8)).to.equal('PID-3 patient identifier list is required.');
    expect(errs[1]!.components(2)).to.deep.equal(['OBX', '3', '5', '1', '1']);
    expect(errs[1]!.get(3, 1)).to.equal('102');
    expect(errs[1]!.get(4)).to.equal('W');
    expect(errs[2]!.raw(2)).to.equal('');
  });

  it('uses ERR-1 (ELD) for versions before 2.5', () => {
    const old = parseHl7('MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X9|P|2.3\rPID|1\r').value!;
    const ack = parseHl7(buildAck(old, { code: 'AR', issues: [issue('HL7_FIELD_REQUIRED', 'missing', 'PID.3')] }).toString()).value!;
    expect(ack.msh.raw(9)).to.equal('ACK^A01');
    const err = ack.segment('ERR')!;
    expect(err.get(1, 1)).to.equal('PID');
    expect(err.get(1, 3)).to.equal('3');
    expect(err.get(1, 4, 1)).to.equal('101');
    expect(err.get(1, 4, 3)).to.equal('HL70357');
  });

  it('keeps custom delimiters of the inbound message', () => {
    const custom = parseHl7('MSH#*~\\&#A#B#C#D#20240101##ADT*A04#X1#P#2.5\r').value!;
    const text = buildAck(custom, { code: 'CA' }).toString();
    expect(text.startsWith('MSH#*~\\&#C#D#A#B#')).to.equal(true);
    expect(text).to.contain('\rMSA#CA#X1\r');
  });

  it('caps the number of ERR segments', () => {
    const many = Array.from({ length: 80 }, (_, k) => issue('HL7_DATATYPE', `bad ${k}`, `OBX[${k + 1}].5`));
    const ack = buildAck(inbound, { code: 'AE', issues: many, maxErrors: 10 });
    expect(ack.all('ERR')).to.have.length(10);
    expect(ack.all('ERR')[9]!.get(8)).to.contain('71 more');
  });

  it('builds an AR with our own header for an unreadable frame', () => {
    const ack = buildRejectForUnreadable([issue('HL7_NOT_MSH', 'no MSH', 'MSH')]);
    expect(ack.segment('MSA')!.get(1)).to.equal('AR');
    expect(ack.segment('ERR')!.get(3, 1)).to.equal('100');
  });

  it('parses locations', () => {
    expect(parseLocation('PID.7')).to.deep.equal({ segment: 'PID', sequence: 1, field: 7 });
    expect(parseLocation('OBX[3].5.2')).to.deep.equal({ segment: 'OBX', sequence: 3, field: 5, component: 2 });
    expect(parseLocation('Patient.birthDate')).to.equal(undefined);
  });
});
