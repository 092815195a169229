/**
 * Synthetic HL7v2 messages for the benchmark and examples/hl7v2/ (made-up patients only),
 * built as objects keyed by field number with our own builder.
 *
 *   node --import tsx bench/messages.ts --write    # (re)writes examples/hl7v2/*.hl7
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createMessage, type Hl7Message } from '../src/hl7/message.js';

const TS = '20240301083000-0500';
const PATIENT_ADDRESS = ['1200 Synthetic Way', 'Apt 4B', 'Springfield', 'IL', '62704', 'USA', 'H'];
const PROVIDER = ['1234567893', 'Careful', 'Casey', '', '', 'Dr', 'MD', '', '', '', '', '', 'NPI'];

function msh(type: string[], controlId: string) {
  return createMessage({
    3: 'FRONTDESK', 4: ['SUNRISE_FP', '1234567890', 'NPI'], 5: 'EHR', 6: 'COUNTY_HOSP', 7: TS,
    9: type, 10: controlId, 11: 'P', 12: '2.5.1', 15: 'AL', 16: 'NE', 17: 'USA', 18: 'UNICODE UTF-8',
  });
}

function pid(m: Hl7Message): void {
  m.add('PID', {
    1: 1,
    3: { repeat: [['MRN00012345', '', '', 'SUNRISE_FP', 'MR'], ['999-00-1234', '', '', 'SSA', 'SS']] },
    5: { repeat: [['Testpatient', 'Alex', 'Quinn', '', '', '', 'L'], ['Testpatient', 'Alexandra', '', '', '', '', 'M']] },
    7: '19800215', 8: 'F', 10: ['2106-3', 'White', 'CDCREC'], 11: PATIENT_ADDRESS,
    13: { repeat: [['', 'PRN', 'PH', '', '1', '217', '5550142'], ['', 'NET', 'Internet', 'alex.testpatient@example.org']] },
    14: ['', 'WPN', 'PH', '', '1', '217', '5550199'], 15: ['en', 'English', 'ISO639'], 16: ['M', 'Married', 'HL70002'],
    22: ['2186-5', 'Not Hispanic or Latino', 'CDCREC'],
  });
}

/** ADT^A04 register a patient, about 1 KB: PID with repetitions, NK1, PV1, GT1, IN1, a Z-segment. */
export function adtA04(): string {
  const m = msh(['ADT', 'A04', 'ADT_A01'], 'ADT0001');
  m.add('EVN', { 1: 'A04', 2: TS, 5: ['FD001', 'Frontdesk', 'Fran'], 6: '20240301082900-0500' });
  pid(m);
  m.add('NK1', { 1: 1, 2: ['Testpatient', 'Jordan'], 3: ['SPO', 'Spouse', 'HL70063'], 4: PATIENT_ADDRESS, 5: ['', 'PRN', 'PH', '', '1', '217', '5550143'], 7: ['EC', 'Emergency Contact', 'HL70131'] });
  m.add('PV1', { 1: 1, 2: 'O', 3: ['SUNRISE', 'EXAM2', '', 'SUNRISE_FP'], 7: PROVIDER, 19: ['V000123', '', '', 'SUNRISE_FP', 'VN'], 44: TS });
  m.add('GT1', { 1: 1, 3: ['Testpatient', 'Alex', 'Quinn'], 5: PATIENT_ADDRESS, 8: '19800215', 9: 'F', 11: ['SEL', 'Self', 'HL70063'] });
  m.add('IN1', {
    1: 1, 2: ['BCBS-PPO', 'Blue Cross PPO', 'L'], 3: ['00123', '', '', '', 'NIIP'], 4: 'Synthetic Blue Cross', 8: 'GRP778899',
    12: '20240101', 13: '20241231', 16: ['Testpatient', 'Alex', 'Quinn'], 17: ['SEL', 'Self', 'HL70063'], 18: '19800215', 22: '1', 36: 'XYZ123456789',
  });
  m.add('ZPI', { 1: 1, 2: 'Prefers morning appointments & text reminders' });
  return m.toString();
}

/** SIU^S12 new appointment booking. */
export function siuS12(): string {
  const m = msh(['SIU', 'S12', 'SIU_S12'], 'SIU0001');
  m.add('SCH', {
    1: ['APT-2024-0042', 'SUNRISE_FP'], 2: ['F-88211', 'EHR'], 6: ['NEW', 'New appointment', 'L'], 7: ['ANNUAL', 'Annual physical', 'L'],
    8: ['ROUTINE', 'Routine', 'HL70276'], 9: 30, 10: ['min', 'minutes', 'ANS+'], 11: ['', '', '30', '20240315090000-0500', '20240315093000-0500'],
    16: ['FD001', 'Frontdesk', 'Fran'], 20: ['FD001', 'Frontdesk', 'Fran'], 25: ['Booked', 'Booked', 'HL70278'],
  });
  m.add('NTE', { 1: 1, 2: 'L', 3: 'Bring insurance card; fasting 8h before lab draw.' });
  pid(m);
  m.add('PV1', { 1: 1, 2: 'O', 3: ['SUNRISE', 'EXAM2', '', 'SUNRISE_FP'], 7: PROVIDER });
  m.add('RGS', { 1: 1, 2: 'A' });
  m.add('AIS', { 1: 1, 2: 'A', 3: ['99396', 'Preventive visit, 40-64', 'CPT'], 4: '20240315090000-0500', 7: 30, 8: ['min', 'minutes', 'ANS+'] });
  m.add('AIL', { 1: 1, 2: 'A', 3: ['SUNRISE', 'EXAM2', '', 'SUNRISE_FP'], 6: '20240315090000-0500', 9: 30, 10: ['min', 'minutes', 'ANS+'] });
  m.add('AIP', { 1: 1, 2: 'A', 3: PROVIDER, 4: ['PCP', 'Primary care provider', 'L'], 6: '20240315090000-0500', 9: 30, 10: ['min', 'minutes', 'ANS+'] });
  return m.toString();
}

const ANALYTES: [string, string, string, number, string][] = [
  ['2345-7', 'Glucose', 'mg/dL', 92, '70-99'], ['2160-0', 'Creatinine', 'mg/dL', 0.9, '0.6-1.2'],
  ['3094-0', 'Urea nitrogen', 'mg/dL', 14, '7-20'], ['2951-2', 'Sodium', 'mmol/L', 140, '135-145'],
  ['2823-3', 'Potassium', 'mmol/L', 4.2, '3.5-5.1'], ['2075-0', 'Chloride', 'mmol/L', 101, '98-107'],
  ['2028-9', 'Carbon dioxide', 'mmol/L', 25, '22-29'], ['17861-6', 'Calcium', 'mg/dL', 9.4, '8.6-10.3'],
  ['2885-2', 'Protein', 'g/dL', 7.1, '6.0-8.3'], ['1751-7', 'Albumin', 'g/dL', 4.3, '3.5-5.0'],
];

/** ORU^R01 lab result with n OBX (25 gives about 4.5 KB); an optional base64 PDF as one more OBX (ED). */
export function oruR01(n = 25, pdfBytes = 0): string {
  const m = msh(['ORU', 'R01', 'ORU_R01'], `ORU${n}`);
  pid(m);
  m.add('PV1', { 1: 1, 2: 'O', 7: PROVIDER });
  m.add('ORC', { 1: 'RE', 2: ['ORD-5531', 'SUNRISE_FP'], 3: ['LAB-99812', 'ACME_LAB'], 12: PROVIDER });
  m.add('OBR', {
    1: 1, 2: ['ORD-5531', 'SUNRISE_FP'], 3: ['LAB-99812', 'ACME_LAB'], 4: ['24323-8', 'Comprehensive metabolic panel', 'LN'],
    7: '20240301073000-0500', 16: PROVIDER, 22: '20240301120000-0500', 25: 'F',
  });
  for (let i = 0; i < n; i++) {
    const [code, name, unit, value, range] = ANALYTES[i % ANALYTES.length]!;
    const v = Math.round((value * (1 + ((i * 7) % 11 - 5) / 100)) * 100) / 100;
    m.add('OBX', {
      1: i + 1, 2: 'NM', 3: [code, name, 'LN'], 4: String(Math.floor(i / ANALYTES.length) + 1), 5: v, 6: [unit, unit, 'UCUM'], 7: range,
      8: 'N', 11: 'F', 14: '20240301073000-0500', 15: ['ACME', 'Acme Reference Laboratory', 'L'], 19: '20240301113000-0500',
    });
  }
  if (pdfBytes > 0) {
    m.add('OBX', { 1: n + 1, 2: 'ED', 3: ['11502-2', 'Laboratory report', 'LN'], 5: ['ACME_LAB', 'AP', 'PDF', 'Base64', syntheticPdfBase64(pdfBytes)], 11: 'F' });
  }
  m.add('NTE', { 1: 1, 2: 'L', 3: 'Specimen received ambient; results reviewed by lab director.' });
  return m.toString();
}

/** Deterministic bytes that look like a PDF, base64-encoded (no randomness: runs are comparable). */
function syntheticPdfBase64(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  buf.write('%PDF-1.4\n% synthetic report for benchmarks\n', 0, 'latin1');
  let x = 2463534242;
  for (let i = 64; i < bytes; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf.toString('base64');
}

if (process.argv.includes('--write')) {
  const dir = path.resolve('examples/hl7v2');
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = { 'adt-a04.hl7': adtA04(), 'siu-s12.hl7': siuS12(), 'oru-r01.hl7': oruR01(25) };
  for (const [f, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, f), text);
    console.log(`${f}: ${text.length} bytes`);
  }
}
