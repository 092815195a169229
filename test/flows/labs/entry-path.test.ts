/**
 * locateValidationIssues reads `Bundle.entry[<i>].resource[.<path>]` by hand (entryPath,
 * src/flows/labs/convert.ts) and the first element name of the path by character codes
 * (hl7LocationOf): both must read what the regexes they replaced read.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { entryPath } from '../../../src/flows/labs/convert.js';
import { hl7LocationOf } from '../../../src/flows/labs/locations.js';
import { parseHl7 } from '../../../src/hl7/message.js';

const REGEX = /^Bundle\.entry\[(\d+)\]\.resource(?:\.(.*))?$/;
const piece = fc.constantFrom('Bundle', '.entry', '[', ']', '0', '7', '12', '.resource', '.', 'valueQuantity', '.unit', 'code', '\n', '\u2028', '\r', ' ', 'x', '\u0661', 'Bundle.entry[', '].resource');
const expr = fc.array(piece, { maxLength: 8 }).map((xs) => xs.join(''));

describe('labs: where a validation issue of the Bundle came from', () => {
  it('entryPath reads what the regex read', () => {
    fc.assert(fc.property(expr, (e) => {
      const m = REGEX.exec(e);
      expect(entryPath(e), JSON.stringify(e)).to.deep.equal(m ? { entry: Number(m[1]), path: m[2] ?? '' } : undefined);
    }), { numRuns: 20000 });
    for (const e of ['Bundle.entry[3].resource', 'Bundle.entry[3].resource.', 'Bundle.entry[03].resource.code.coding[0]', 'Bundle.entry[].resource', 'Bundle.entry[1].resourceX', 'Bundle.entry[1].resource.a\nb'])
      expect(entryPath(e), e).to.deep.equal(REGEX.exec(e) ? { entry: Number(REGEX.exec(e)![1]), path: REGEX.exec(e)![2] ?? '' } : undefined);
  });

  it('hl7LocationOf takes the first element name as the regex did', () => {
    const msg = parseHl7(['MSH|^~\\&|A|B|C|D|20240301||ORU^R01^ORU_R01|1|P|2.5.1', 'PID|1||1', 'OBR|1', 'OBX|1|NM', 'OBX|2|NM'].join('\r')).value!;
    const [, pid, obr, obx1, obx2] = msg.segments;
    // The table of src/flows/labs/locations.ts.
    const FIELDS: Record<string, Record<string, number>> = {
      OBX: {
        code: 3, valueQuantity: 5, valueCodeableConcept: 5, valueString: 5, valueRange: 5, valueRatio: 5, valueDateTime: 5, valueTime: 5,
        value: 5, dataAbsentReason: 5, referenceRange: 7, interpretation: 8, status: 11, effective: 14, effectiveDateTime: 14, performer: 16, method: 17,
      },
      OBR: { code: 4, effective: 7, effectiveDateTime: 7, issued: 22, status: 25, identifier: 3, basedOn: 2, resultsInterpreter: 32 },
      SPM: { identifier: 2, type: 4, collection: 17, receivedTime: 18, },
      PID: { identifier: 3, name: 5, birthDate: 7, gender: 8, address: 11, telecom: 13 },
    };
    const before = (seg: typeof pid, rt: string, path: string): string => {
      const head = /^([A-Za-z]+)/.exec(path)?.[1] ?? '';
      if (seg!.name === 'OBR' && rt === 'Specimen') return msg.location(seg!, 15);
      if (seg!.name === 'OBX' && /^value(Quantity|Range)\b.*\.(unit|system|code)$/.test(path)) return msg.location(seg!, 6);
      const field = FIELDS[seg!.name]?.[head];
      return field ? msg.location(seg!, field) : msg.location(seg!);
    };
    const path = fc.array(fc.constantFrom('code', 'valueQuantity', 'valueRange', 'status', 'name', '.unit', '.system', '.code', '_x', '[0]', '.', '1', 'Z', '@', '`', '{', 'é'), { maxLength: 5 }).map((xs) => xs.join(''));
    fc.assert(fc.property(fc.constantFrom(pid, obr, obx1, obx2), fc.constantFrom('Observation', 'Specimen', 'Patient'), path, (seg, rt, p) => {
      expect(hl7LocationOf(msg, seg!, rt, p), p).to.equal(before(seg, rt, p));
    }), { numRuns: 5000 });
  });
});
