/**
 * 999 Implementation Acknowledgment (005010X231A1) in: per transaction set we sent (AK2 by ST-02,
 * AK1 by GS-06), accepted or rejected (IK5-01), and the errors it names (IK3 segment and loop,
 * IK4 element, CTX*CLM01 the claim), as locations in our own terms (`2400.SV1-02`).
 */
import type { Result } from '../../domain/issues.js';
import { readWithMap } from '../read.js';
import { statusCodes, X12_ACK_SYSTEM } from './codes.js';
import type { ClaimAnswerError } from './claim-response.js';

interface Model999 {
  group: { functionalId: string; control: string; version?: string; ack: string; errors?: string[] };
  sets?: Array<{
    setId: string; control: string; ack: string; errors?: string[];
    segmentErrors?: Array<{ segment: string; position: string; loop?: string; code: string; context?: Array<{ name: string; value?: string }>;
      elementErrors?: Array<{ element: string; component?: string; reference?: string; code: string; data?: string }> }>;
  }>;
}

export interface SetAck {
  /** GS-06 and ST-02 of our 837P. */
  groupControl: string;
  setControl: string;
  accepted: boolean;
  /** IK5-01: A, E, R... */
  ack: string;
  /** Errors, each for a claim (CTX*CLM01) or for the whole set. */
  errors: Array<ClaimAnswerError & { claimId?: string | undefined }>;
}

export interface Ack999 {
  /** ISA-13 of the 999 itself. */
  interchange: string;
  /** The 999's own creation date (GS-04). */
  date: string;
  /** ISA-06: who acknowledged (the clearinghouse). */
  from: string;
  sets: SetAck[];
}

export function read999(text: string): Result<Ack999> {
  const r = readWithMap<Model999>(text, '999');
  if (!r.value) return { value: undefined, issues: r.issues };
  const codes = statusCodes();
  const ic = r.value.interchange;
  const out: Ack999 = {
    interchange: ic.isa.elements[12] ?? '',
    date: ic.groups[0]?.gs.elements[3] ?? '',
    from: (ic.isa.elements[5] ?? '').trim(),
    sets: [],
  };
  for (const s of r.value.sets) {
    const m = s.model;
    for (const set of m.sets ?? []) {
      const errors: SetAck['errors'] = [];
      for (const se of set.segmentErrors ?? []) {
        const claimId = se.context?.find((c) => c.name === 'CLM01')?.value;
        const where = `${se.loop ? `${se.loop}.` : ''}${se.segment}`;
        if (!se.elementErrors?.length) {
          errors.push({ system: X12_ACK_SYSTEM, code: `IK3-${se.code}`, display: `${codes.segmentErrors[se.code] ?? 'Segment error'}: ${se.segment} at segment ${se.position}`, field: where, claimId });
        }
        for (const ee of se.elementErrors ?? []) {
          const field = `${where}-${ee.element.padStart(2, '0')}${ee.component ? `-${ee.component}` : ''}`;
          errors.push({
            system: X12_ACK_SYSTEM, code: `IK4-${ee.code}`,
            display: `${codes.elementErrors[ee.code] ?? 'Element error'}${ee.data ? ` ("${ee.data}")` : ''}`, field, claimId,
          });
        }
      }
      out.sets.push({ groupControl: m.group?.control ?? '', setControl: set.control, ack: set.ack, accepted: statusCodes().accepted.includes(set.ack), errors });
    }
  }
  return { value: out, issues: r.issues };
}
