/**
 * An audit row (src/store/audit.ts) as a FHIR R4 AuditEvent: type `rest` (DICOM/HL7 audit event
 * type system) for FHIR interactions, `110100` Application Activity for operator actions and
 * `110114` User Authentication for failed logins; subtype the restful-interaction code; action
 * C/R/U/D/E (AuditEvent.action, value set audit-event-action); outcome 0 success, 4 minor failure
 * (4xx), 8 serious failure (5xx) (audit-event-outcome); the agent is the key or client with its
 * network address (AuditEvent.agent.network, type 2 = IP address); the entity is what was touched,
 * with the query (base64Binary, as AuditEvent.entity.query is typed).
 */
import type { AuditEvent } from 'fhir/r4.js';
import type { AuditRow } from '../store/index.js';

const FHIR_INTERACTIONS = new Set(['read', 'vread', 'update', 'patch', 'delete', 'history', 'history-instance', 'history-type', 'history-system', 'create', 'search', 'search-type', 'search-system', 'capabilities', 'transaction', 'batch', 'operation']);

/** AuditEvent.action (C create, R read/view/print, U update, D delete, E execute) of an action name. */
export function actionCode(action: string): 'C' | 'R' | 'U' | 'D' | 'E' {
  if (action === 'create' || action === 'office-record' || action === 'x12-inbound' || action === 'eligibility-inbound') return 'C';
  if (action === 'update' || action === 'patch') return 'U';
  if (action === 'delete') return 'D';
  if (/(^|-)(read|list|search|history|vread|reveal|capabilities)$/.test(action) || action === 'search' || action.startsWith('history')) return 'R';
  return 'E';
}

function outcomeCode(row: AuditRow): '0' | '4' | '8' {
  if (row.outcome === 'success') return '0';
  return row.status >= 500 || row.status === 0 ? '8' : '4';
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const rest = FHIR_INTERACTIONS.has(row.action);
  const type = row.action === 'authenticate'
    ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114', display: 'User Authentication' }
    : rest
      ? { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' }
      : { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110100', display: 'Application Activity' };
  const ev: AuditEvent = {
    resourceType: 'AuditEvent',
    id: String(row.id),
    type,
    subtype: [rest ? { system: 'http://hl7.org/fhir/restful-interaction', code: row.action } : { system: 'urn:frontdesk:audit-action', code: row.action }],
    action: actionCode(row.action),
    recorded: row.at,
    outcome: outcomeCode(row),
    ...(row.outcome === 'failure' || row.detail ? { outcomeDesc: [row.status ? `HTTP ${row.status}` : '', row.detail ?? ''].filter(Boolean).join(': ') } : {}),
    agent: [{
      who: { identifier: { system: `urn:frontdesk:${row.actorKind}`, value: row.actor }, display: row.actor },
      requestor: true,
      ...(row.clientAddress ? { network: { address: row.clientAddress, type: '2' as const } } : {}),
    }],
    source: { observer: { display: 'Frontdesk' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
  };
  if (row.entity || row.query || row.path) {
    const isRef = !!row.entity && /^[A-Z][A-Za-z]+\/[^/]+/.test(row.entity);
    ev.entity = [{
      ...(row.entity ? { what: isRef ? { reference: row.entity } : { display: row.entity } } : {}),
      ...(row.query ? { query: Buffer.from(row.query, 'utf8').toString('base64') } : {}),
      ...(row.method && row.path ? { description: `${row.method} ${row.path}` } : {}),
    }];
  }
  return ev;
}
