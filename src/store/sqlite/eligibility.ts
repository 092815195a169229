/** Eligibility checks (table eligibility_checks, migration 204) on SQLite. */
import type { Db } from './db.js';
import { pageLimit, stmt } from './statements.js';
import type { EligibilityAnswer, EligibilityCheck, EligibilityInquiryRow, EligibilityStatus } from '../types.js';

type Row = Record<string, string | null>;

const json = (s: string | null): Record<string, unknown> | null => (s ? (JSON.parse(s) as Record<string, unknown>) : null);

function toCheck(r: Row): EligibilityCheck {
  return {
    trace: r.trace!, requestId: r.request_id ?? null, appointmentId: r.appointment_id ?? null, appointmentStart: r.appointment_start ?? null,
    patientRef: r.patient_ref ?? null, serviceDate: r.service_date ?? null, destination: r.destination ?? null, format: r.format as EligibilityCheck['format'],
    status: r.status as EligibilityStatus, record: json(r.record ?? null), response: json(r.response ?? null), source: r.source ?? null,
    requestedAt: r.requested_at ?? null, answeredAt: r.answered_at ?? null,
  };
}

export function recordInquiries(db: Db, rows: EligibilityInquiryRow[], now: Date): void {
  const ins = stmt(db, `INSERT INTO eligibility_checks (trace, request_id, appointment_id, appointment_start, patient_ref, service_date, destination, format, status, requested_at)
    VALUES (@trace, @requestId, @appointmentId, @appointmentStart, @patientRef, @serviceDate, @destination, @format, 'pending', @at)
    ON CONFLICT (trace) DO NOTHING`);
  const at = now.toISOString();
  db.transaction(() => {
    for (const r of rows) ins.run({ ...r, requestId: r.requestId ?? null, at });
  })();
}

export function recordEligibilityAnswer(db: Db, a: EligibilityAnswer, now: Date): { check: EligibilityCheck; matched: boolean } {
  return db.transaction(() => {
    const byTrace = stmt(db, 'SELECT * FROM eligibility_checks WHERE trace = ?').get(a.trace) as Row | undefined;
    const byRequest = !byTrace && a.requestId ? (stmt(db, 'SELECT * FROM eligibility_checks WHERE request_id = ? LIMIT 1').get(a.requestId) as Row | undefined) : undefined;
    const hit = byTrace ?? byRequest;
    const at = now.toISOString();
    const values = { status: a.status, record: JSON.stringify(a.record), response: JSON.stringify(a.response), source: a.source, at };
    if (hit) {
      stmt(db, `UPDATE eligibility_checks SET status = @status, record = @record, response = @response, source = @source, answered_at = @at,
        service_date = COALESCE(service_date, @serviceDate) WHERE trace = @trace`).run({ ...values, trace: hit.trace, serviceDate: a.serviceDate ?? null });
      // An answer that is not for an inquiry we sent keeps its own row; a repeated answer updates it.
    } else {
      stmt(db, `INSERT INTO eligibility_checks (trace, request_id, service_date, format, status, record, response, source, answered_at)
        VALUES (@trace, @requestId, @serviceDate, @format, @status, @record, @response, @source, @at)`)
        .run({ ...values, trace: a.trace, requestId: a.requestId ?? null, serviceDate: a.serviceDate ?? null, format: a.source === '271' ? 'x12' : 'fhir' });
    }
    const trace = hit?.trace ?? a.trace;
    // An inquiry row (with an appointment) is a match; a row made by an earlier copy of this answer is not.
    return { check: toCheck(stmt(db, 'SELECT * FROM eligibility_checks WHERE trace = ?').get(trace) as Row), matched: !!hit?.requested_at };
  })();
}

export function getEligibility(db: Db, trace: string): EligibilityCheck | undefined {
  const r = stmt(db, 'SELECT * FROM eligibility_checks WHERE trace = ?').get(trace) as Row | undefined;
  return r ? toCheck(r) : undefined;
}

export function eligibilityForAppointment(db: Db, appointmentId: string): EligibilityCheck[] {
  return (stmt(db, 'SELECT * FROM eligibility_checks WHERE appointment_id = ? ORDER BY COALESCE(answered_at, requested_at) DESC').all(appointmentId) as Row[]).map(toCheck);
}

export function listEligibility(db: Db, filter: { serviceDate?: string | undefined; limit?: number | undefined } = {}): EligibilityCheck[] {
  // The page size is written into the SQL, not bound (./statements.ts pageLimit).
  const l = pageLimit(filter.limit ?? 500);
  const rows = filter.serviceDate
    ? stmt(db, `SELECT * FROM eligibility_checks WHERE service_date = ? ORDER BY appointment_start, trace ${l.sql}`).all(filter.serviceDate)
    : stmt(db, `SELECT * FROM eligibility_checks ORDER BY service_date DESC, appointment_start, trace ${l.sql}`).all();
  return l.cut(rows as Row[]).map(toCheck);
}

export function purgeEligibility(db: Db, before: string): number {
  return stmt(db, "DELETE FROM eligibility_checks WHERE COALESCE(service_date, substr(COALESCE(requested_at, answered_at), 1, 10)) < ?").run(before).changes;
}
