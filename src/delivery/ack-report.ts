/**
 * A partner's HL7 acknowledgment, read for the operator (`frontdesk deadletter show`, GET
 * /deliveries/:id): MSA-1 code (table 0008), MSA-2 the control id acknowledged, MSA-3 text, and
 * each ERR segment: ERR-2 location (ERL, v2.5+) or ERR-1 (ELD, before v2.5), ERR-3 HL7 error code
 * (table 0357), ERR-4 severity (table 0516), ERR-5 application error code, ERR-8 user message.
 * The outbox keeps the ACK as received; this only reads it.
 */
import { parseHl7, type Hl7Message, type Hl7Segment } from '../hl7/message.js';

export interface PartnerAckError {
  location?: string;
  code?: string;
  codeText?: string;
  severity?: string;
  applicationCode?: string;
  message?: string;
}

export interface PartnerAck {
  code: string;
  acknowledges: string;
  text?: string;
  errors: PartnerAckError[];
}

const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

/** `PID.7`, `OBX[3].5`, `PID.5.1` from ERL components (segment ^ sequence ^ field ^ repetition ^ component). */
function location(seg: string, seq: string, field: string, component = ''): string | undefined {
  if (!seg) return undefined;
  let out = seq && seq !== '1' ? `${seg}[${seq}]` : seg;
  if (field) out += `.${field}`;
  if (component) out += `.${component}`;
  return out;
}

function readErr(err: Hl7Segment): PartnerAckError {
  if (err.has(2) || err.has(3) || err.has(8)) {
    return compact({
      location: location(err.get(2, 1), err.get(2, 2), err.get(2, 3), err.get(2, 5)),
      code: err.get(3, 1), codeText: err.get(3, 2), severity: err.get(4), applicationCode: err.get(5, 1),
      message: err.get(8) || err.get(3, 2),
    });
  }
  // Before v2.5: ERR-1 ELD segment ^ sequence ^ field ^ code (CE: code & text & system).
  return compact({ location: location(err.get(1, 1), err.get(1, 2), err.get(1, 3)), code: err.get(1, 4, 1), codeText: err.get(1, 4, 2), message: err.get(1, 4, 2) });
}

export function readAck(ack: Hl7Message): PartnerAck | undefined {
  const msa = ack.segment('MSA');
  if (!msa) return undefined;
  return compact({ code: msa.get(1), acknowledges: msa.get(2), text: msa.get(3), errors: ack.all('ERR').map(readErr) });
}

/**
 * The partner's answer as kept in the outbox (one ACK, or a commit ACK and the application ACK on
 * separate lines): the last readable one, which decided.
 */
export function partnerAckOf(response: string | null | undefined): PartnerAck | undefined {
  if (!response) return undefined;
  const frames = response.split('\n').filter((f) => f.startsWith('MSH'));
  for (const f of frames.reverse()) {
    const m = parseHl7(f).value;
    const r = m ? readAck(m) : undefined;
    if (r) return r;
  }
  return undefined;
}

/**
 * One PHI-free line for last_error and the logs: the code, and per ERR its location and table-0357
 * code only (MSA-3 and ERR-8 are free text that may name the patient; they stay in partnerAck).
 */
export function ackSummary(ack: Hl7Message): string {
  const r = readAck(ack);
  if (!r) return 'ACK without MSA';
  const errs = r.errors.map((e) => [e.location, e.code].filter(Boolean).join(' ')).filter(Boolean);
  return `ACK ${r.code || '(empty MSA-1)'}${errs.length ? ` (ERR ${errs.join(', ')})` : ''}${r.text ? '; MSA-3 text in partnerAck' : ''}`;
}
