/**
 * ORU^R01 segment groups (v2.3-v2.5.1): PATIENT_RESULT+ { [PID [PV1]], ORDER_OBSERVATION+ {
 * [ORC] OBR [NTE*] [OBSERVATION { OBX [NTE*] }*] [SPECIMEN { SPM [OBX*] }*] } }. Segments the
 * labs vertical does not map (SFT, PD1, NK1, PV2, TQ2, CTD, FT1, CTI, PRT, TXA, DSC, Z-segments)
 * are skipped. An OBX outside an order cannot belong to a report: it is an error at that OBX,
 * never dropped silently.
 */
import { issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';

export interface ObservationGroup {
  obx: Hl7Segment;
  notes: Hl7Segment[];
  /** The SPECIMEN group this OBX belongs to (an OBX after SPM describes the specimen). */
  specimen?: SpecimenGroup;
  /** 1-based position of this OBX within its order (OBX-1 as it should be). */
  position: number;
}

export interface SpecimenGroup {
  spm: Hl7Segment;
  /** 1-based position of the SPM within its order. */
  position: number;
}

export interface OrderGroup {
  orc?: Hl7Segment;
  obr: Hl7Segment;
  /** TIMING_QTY: the first TQ1 after the OBR (TQ1-7 start date/time -> ServiceRequest.occurrence). */
  tq1?: Hl7Segment;
  notes: Hl7Segment[];
  observations: ObservationGroup[];
  specimens: SpecimenGroup[];
  /** 1-based position of the OBR in the message. */
  position: number;
}

export interface PatientGroup {
  pid?: Hl7Segment;
  pv1?: Hl7Segment;
  orders: OrderGroup[];
}

export interface OruStructure {
  patients: PatientGroup[];
}

/** Segments that are part of ORU^R01 but carry nothing the labs mapping reads. */
const SKIPPED = new Set(['MSH', 'SFT', 'UAC', 'PD1', 'NK1', 'PV2', 'TQ1', 'TQ2', 'CTD', 'FT1', 'CTI', 'PRT', 'TXA', 'DSC', 'ARV', 'ROL', 'OBXA']);

export function groupOru(msg: Hl7Message): { value: OruStructure; issues: Issue[] } {
  const issues: Issue[] = [];
  const patients: PatientGroup[] = [];
  let patient: PatientGroup | undefined;
  let order: OrderGroup | undefined;
  let obs: ObservationGroup | undefined;
  let specimen: SpecimenGroup | undefined;
  let pendingOrc: Hl7Segment | undefined;
  let obrCount = 0;
  for (const seg of msg.segments) {
    switch (seg.name) {
      case 'PID':
        patient = { pid: seg, orders: [] };
        patients.push(patient);
        order = obs = specimen = undefined;
        pendingOrc = undefined;
        break;
      case 'PV1':
        if (patient && !order) patient.pv1 = seg;
        break;
      case 'ORC':
        if (pendingOrc) issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${msg.location(pendingOrc)} has no OBR after it: the order has no results to map.`, msg.location(pendingOrc), 'warning'));
        pendingOrc = seg;
        obs = specimen = undefined;
        break;
      case 'OBR':
        order = { obr: seg, notes: [], observations: [], specimens: [], position: ++obrCount };
        if (pendingOrc) order.orc = pendingOrc;
        // An OBR before any PID: the results of an unnamed patient (an error where they are converted).
        // Written out, not a named closure per message: under tsx each costs a defineProperty.
        if (!patient) { patient = { orders: [] }; patients.push(patient); }
        patient.orders.push(order);
        pendingOrc = undefined;
        obs = specimen = undefined;
        break;
      case 'TQ1':
        if (order && !order.tq1 && !order.observations.length && !pendingOrc) order.tq1 = seg;
        break;
      case 'NTE':
        // NTE follows the segment it annotates: an OBX, else the OBR (patient-level notes are not mapped).
        if (obs) obs.notes.push(seg);
        else if (order && !specimen && !pendingOrc) order.notes.push(seg);
        break;
      case 'OBX':
        if (!order || pendingOrc) {
          issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${msg.location(seg)} comes before any OBR${pendingOrc ? ' of its ORC' : ''}: a result must belong to an order (OBR) to be reported; this result was not converted.`, msg.location(seg)));
          obs = undefined;
          break;
        }
        obs = { obx: seg, notes: [], position: order.observations.length + 1 };
        if (specimen) obs.specimen = specimen;
        order.observations.push(obs);
        break;
      case 'SPM':
        if (!order) {
          issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${msg.location(seg)} comes before any OBR: the specimen cannot be linked to a report and was not converted.`, msg.location(seg), 'warning'));
          break;
        }
        specimen = { spm: seg, position: order.specimens.length + 1 };
        order.specimens.push(specimen);
        obs = undefined;
        break;
      default:
        if (!SKIPPED.has(seg.name) && !seg.name.startsWith('Z')) {
          issues.push(issue('MAP_INFO', `${seg.name} is not part of ORU^R01 as mapped here; skipped.`, msg.location(seg)));
        }
    }
  }
  if (pendingOrc) issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${msg.location(pendingOrc)} has no OBR after it: the order has no results to map.`, msg.location(pendingOrc), 'warning'));
  return { value: { patients }, issues };
}
