/** Eligibility checks (table eligibility_checks) on PostgreSQL. NULLs sort as on SQLite (first ascending, last descending). */
import type { Atomic, Queryable } from './db.js';
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

export async function recordInquiries(db: Queryable, rows: EligibilityInquiryRow[], now: Date): Promise<void> {
  if (!rows.length) return;
  const col = <K extends keyof EligibilityInquiryRow>(k: K) => rows.map((r) => r[k] ?? null);
  await db.query(`INSERT INTO eligibility_checks (trace, request_id, appointment_id, appointment_start, patient_ref, service_date, destination, format, status, requested_at)
    SELECT t, q, a, s, p, d, dest, f, 'pending', $9 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(t, q, a, s, p, d, dest, f)
    ON CONFLICT (trace) DO NOTHING`,
  [col('trace'), col('requestId'), col('appointmentId'), col('appointmentStart'), col('patientRef'), col('serviceDate'), col('destination'), col('format'), now.toISOString()]);
}

export async function recordEligibilityAnswer(atomic: Atomic, a: EligibilityAnswer, now: Date): Promise<{ check: EligibilityCheck; matched: boolean }> {
  return atomic(async (db) => {
    const byTrace = (await db.query<Row>('SELECT * FROM eligibility_checks WHERE trace = $1 FOR UPDATE', [a.trace])).rows[0];
    const byRequest = !byTrace && a.requestId ? (await db.query<Row>('SELECT * FROM eligibility_checks WHERE request_id = $1 LIMIT 1 FOR UPDATE', [a.requestId])).rows[0] : undefined;
    const hit = byTrace ?? byRequest;
    const at = now.toISOString();
    if (hit) {
      await db.query(`UPDATE eligibility_checks SET status = $1, record = $2, response = $3, source = $4, answered_at = $5,
        service_date = COALESCE(service_date, $6) WHERE trace = $7`, [a.status, JSON.stringify(a.record), JSON.stringify(a.response), a.source, at, a.serviceDate ?? null, hit.trace]);
    } else {
      // An answer that is not for an inquiry we sent keeps its own row.
      await db.query(`INSERT INTO eligibility_checks (trace, request_id, service_date, format, status, record, response, source, answered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [a.trace, a.requestId ?? null, a.serviceDate ?? null, a.source === '271' ? 'x12' : 'fhir', a.status, JSON.stringify(a.record), JSON.stringify(a.response), a.source, at]);
    }
    const trace = hit?.trace ?? a.trace;
    // An inquiry row (with an appointment) is a match; a row made by an earlier copy of this answer is not.
    return { check: toCheck((await db.query<Row>('SELECT * FROM eligibility_checks WHERE trace = $1', [trace])).rows[0]!), matched: !!hit?.requested_at };
  });
}

export async function getEligibility(db: Queryable, trace: string): Promise<EligibilityCheck | undefined> {
  const r = (await db.query<Row>('SELECT * FROM eligibility_checks WHERE trace = $1', [trace])).rows[0];
  return r ? toCheck(r) : undefined;
}

export async function eligibilityForAppointment(db: Queryable, appointmentId: string): Promise<EligibilityCheck[]> {
  return (await db.query<Row>('SELECT * FROM eligibility_checks WHERE appointment_id = $1 ORDER BY COALESCE(answered_at, requested_at) DESC NULLS LAST', [appointmentId])).rows.map(toCheck);
}

export async function listEligibility(db: Queryable, filter: { serviceDate?: string | undefined; limit?: number | undefined } = {}): Promise<EligibilityCheck[]> {
  const limit = filter.limit ?? 500;
  const rows = filter.serviceDate
    ? await db.query<Row>('SELECT * FROM eligibility_checks WHERE service_date = $1 ORDER BY appointment_start NULLS FIRST, trace LIMIT $2', [filter.serviceDate, limit])
    : await db.query<Row>('SELECT * FROM eligibility_checks ORDER BY service_date DESC NULLS LAST, appointment_start NULLS FIRST, trace LIMIT $1', [limit]);
  return rows.rows.map(toCheck);
}

export async function purgeEligibility(db: Queryable, before: string): Promise<number> {
  return (await db.query('DELETE FROM eligibility_checks WHERE COALESCE(service_date, substr(COALESCE(requested_at, answered_at), 1, 10)) < $1', [before])).rowCount ?? 0;
}
