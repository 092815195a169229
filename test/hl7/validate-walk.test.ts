/**
 * validateMessage walks the fields a segment has (then the required ones past its end), reads the
 * components with a cursor instead of a split array, and remembers the last good code of each
 * table part (src/hl7/validate.ts). The issues must stay as they were, in the same order: these
 * messages and their expected issues were taken from the walk by definition it replaced (commit
 * dc1d8ac), one case per path the new walk takes.
 */
import { expect } from 'chai';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';

const CASES: Array<{ title: string; lines: string[]; issues: string[] }> = [
  {
    title: "a short PID: required fields past its end, after the issues of the fields it has",
    lines: [
      "MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1",
      "EVN|A04|2024030108300",
      "PID|1||||Testpatient^Alex||19800231|Q",
      "PV1",
    ],
    issues: [
      "error HL7_DATATYPE @ EVN.2: EVN-2.1: \"2024030108300\" is not a DTM date/time (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]).",
      "error HL7_FIELD_REQUIRED @ PID.3: PID-3 (CX) is required and empty.",
      "error HL7_DATATYPE @ PID.7: PID-7.1: \"19800231\" is not a valid date/time: day 31 out of range.",
      "error HL7_TABLE_VALUE @ PID.8: PID-8: \"Q\" is not in HL7 table 0001.",
      "error HL7_FIELD_REQUIRED @ PV1.2: PV1-2 (IS) is required and empty.",
    ],
  },
  {
    title: "repetitions: each is checked, the issue says which",
    lines: [
      "MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1",
      "EVN|A04|20240301083000-0500",
      "PID|1||MRN001^^^CLINIC^MR~X1^^^CLINIC^ZZ~X2^^^CLINIC^MR||Testpatient^Alex||19800215|F~M|||||^PRN^PH~^XXX^PH~^WPN^ZZ",
      "PV1|1|O",
    ],
    issues: [
      "error HL7_TABLE_VALUE @ PID.3.5: PID-3.5 (repetition 2): \"ZZ\" is not in HL7 table 0203.",
      "error HL7_FIELD_REPEAT @ PID.8: PID-8 allows 1 repetition(s); got 2.",
      "error HL7_TABLE_VALUE @ PID.13.2: PID-13.2 (repetition 2): \"XXX\" is not in HL7 table 0201.",
      "error HL7_TABLE_VALUE @ PID.13.3: PID-13.3 (repetition 3): \"ZZ\" is not in HL7 table 0202.",
    ],
  },
  {
    title: "components past the last one sent, empty components, subcomponents",
    lines: [
      "MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1",
      "EVN|A04|20240301083000-0500",
      "PID|1||MRN001^^^CLINIC&2.16.840&BAD^MR^^20240231||Testpatient^Alex^^^^^Q||19800215^^|F^|||^^^^^^ZZ|||^PRN",
      "PV1|1|O",
    ],
    issues: [
      "error HL7_DATATYPE @ PID.3.7: PID-3.7: \"20240231\" is not a valid date: day 31 out of range.",
      "error HL7_TABLE_VALUE @ PID.5.7: PID-5.7: \"Q\" is not in HL7 table 0200.",
      "warning HL7_FIELD_LENGTH @ PID.8: PID-8 is 2 characters; its maximum is 1.",
      "error HL7_TABLE_VALUE @ PID.8: PID-8: \"F^\" is not in HL7 table 0001.",
      "error HL7_TABLE_VALUE @ PID.11.7: PID-11.7: \"ZZ\" is not in HL7 table 0190.",
    ],
  },
  {
    title: "a table code: the same good code twice, then a bad one, then the good one again",
    lines: [
      "MSH|^~\\&|LAB|ACME|EHR|CLINIC|20240301120000-0500||ORU^R01^ORU_R01|LAB0001|P|2.5.1",
      "PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex",
      "OBR|1|ORD1||24323-8^Comprehensive metabolic panel^LN|||20240301073000-0500",
      "OBX|1|NM|2345-7^Glucose^LN||92|mg/dL|70-99|N|||F",
      "OBX|2|NM|2160-0^Creatinine^LN||0.9|mg/dL|0.6-1.2|N|||F",
      "OBX|3|NM|2951-2^Sodium^LN||140|mmol/L|135-145|N|||Q",
      "OBX|4|NM|2951-2^Sodium^LN||140|mmol/L|135-145|N|||F",
      "OBX|5|XX|2951-2^Sodium^LN||1x40|mmol/L|135-145|N|||F|||2024130107",
    ],
    issues: [
      "error HL7_TABLE_VALUE @ OBX[3].11: OBX-11: \"Q\" is not in HL7 table 0085.",
      "error HL7_TABLE_VALUE @ OBX[5].2: OBX-2: \"XX\" is not in HL7 table 0125.",
      "error HL7_DATATYPE @ OBX[5].14: OBX-14.1: \"2024130107\" is not a valid date/time: month 13 out of range.",
    ],
  },
  {
    title: "coded fields: a code outside the table is checked only under no or an HL7 coding system",
    lines: [
      "MSH|^~\\&|SCHED|CLINIC|EHR|HOSP|20240301083000-0500||SIU^S12^SIU_S12|SIU0001|P|2.5.1",
      "SCH|APT1^CLINIC|F1^EHR||||NEW^New appointment^L|||30|min|^^30^20240315090000-0500|||||FD1^Desk^Fran||||FD1^Desk^Fran|||||Booked",
      "PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex",
      "RGS|1|A",
      "AIS|1|A|99213^Office visit^CPT|||||||ZZ^Local^L",
      "AIS|2|A|99213^Office visit^CPT|||||||ZZ^Unknown^HL70278",
      "AIS|3|A|99213^Office visit^CPT|||||||ZZ^Unknown",
      "AIS|4|A|99213^Office visit^CPT|||||||Booked^Booked^HL70278",
      "AIS|5|A|99213^Office visit^CPT|||||||Booked",
      "AIS|6|A|99213^Office visit^CPT|||||||YY",
    ],
    issues: [
      "error HL7_TABLE_VALUE @ AIS[2].10.1: AIS-10.1: \"ZZ\" is not in HL7 table 0278.",
      "error HL7_TABLE_VALUE @ AIS[3].10.1: AIS-10.1: \"ZZ\" is not in HL7 table 0278.",
      "error HL7_TABLE_VALUE @ AIS[6].10.1: AIS-10.1: \"YY\" is not in HL7 table 0278.",
    ],
  },
  {
    title: "escapes and lengths",
    lines: [
      "MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1",
      "EVN|A04|20240301083000-0500",
      "PID|1||MRN001^^^CLINIC^MR||Test\\Tpatient^Al\\ex~B\\T||19800215|F|||" + 'x'.repeat(300) + "^^Springfield",
      "PV1|1|O",
    ],
    issues: [
      "warning HL7_ESCAPE @ PID.5: PID-5 (repetition 2): unterminated escape sequence.",
      "warning HL7_FIELD_LENGTH @ PID.11: PID-11 is 313 characters; its maximum is 250.",
    ],
  },
];

describe('validateMessage: the walk over the fields present (issues and their order as before)', () => {
  for (const c of CASES) {
    it(c.title, () => {
      const r = parseHl7(c.lines.join('\r'));
      expect(r.issues).to.deep.equal([]);
      const found = validateMessage(r.value!).map((i) => `${i.severity} ${i.details?.coding?.[0]?.code} @ ${i.expression?.join(',')}: ${i.diagnostics}`);
      expect(found).to.deep.equal(c.issues);
      // Twice: the remembered codes of the first run must not change the second.
      expect(validateMessage(parseHl7(c.lines.join('\r')).value!).length).to.equal(c.issues.length);
    });
  }
});
