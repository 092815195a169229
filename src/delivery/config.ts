/**
 * The `destinations` and `jobs` sections of the configuration file: their shape, defaults and a
 * checker that names the bad key (`destinations.ehr.baseUrl`). src/config.ts reads the file and
 * calls checkDeliveryConfig / parseDeliveryConfig; nothing here reads process.env.
 *
 * Example (JSON):
 *   "destinations": {
 *     "ehr":  { "type": "fhir", "baseUrl": "https://ehr.example.org/fhir",
 *               "auth": { "type": "smart-backend", "tokenUrl": "https://ehr.example.org/token",
 *                         "clientId": "frontdesk", "alg": "ES384", "kid": "k1",
 *                         "privateKeyFile": "secrets/ehr-es384.pem", "scope": "system/*.write" } },
 *     "lab":  { "type": "mllp", "host": "10.0.0.5", "port": 2575, "ackTimeoutMs": 30000 },
 *     "clearinghouse": { "type": "clearinghouse", "url": "https://ch.example.org/claims",
 *                        "auth": { "type": "bearer", "token": "..." } }
 *   },
 *   "jobs": { "timezone": "America/New_York", "claim-batch": { "schedule": "0 18 * * 1-5" } }
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { isIanaTimezone } from '../domain/timezone.js';

/**
 * node-cron's own check of an expression (what it will schedule). Its CommonJS build is loaded only
 * when the configuration sets a schedule: a start with the default schedules (src/jobs/table.ts)
 * does not load node-cron before it listens.
 */
function cronValidate(expression: string): boolean {
  const cron = createRequire(import.meta.url)('node-cron') as typeof import('node-cron');
  return cron.validate(expression);
}

export type SigningAlg = 'RS384' | 'ES384';

export type HttpAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'api-key'; header: string; key: string }
  | {
      type: 'smart-backend';
      tokenUrl: string;
      clientId: string;
      alg: SigningAlg;
      kid?: string | undefined;
      /** PKCS#8 PEM text, or a file holding it (read when the client is built). */
      privateKeyPem?: string | undefined;
      privateKeyFile?: string | undefined;
      /** Or the private key as a JWK object. */
      privateJwk?: Record<string, unknown> | undefined;
      scope: string;
    };

export interface RetryPolicyConfig {
  /** Attempts in all, the first included, before a transient failure goes to dead letter. */
  maxAttempts: number;
  /** Delay before the first retry; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0..1: share of each delay that is randomised, so a partner coming back is not stampeded. */
  jitter: number;
}

interface HttpCommon {
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  retry: RetryPolicyConfig;
}

export interface FhirDestination extends HttpCommon {
  type: 'fhir';
  baseUrl: string;
  auth: HttpAuth;
  /** How entries with a business identifier are written: PUT Type?identifier=... or POST with ifNoneExist. */
  writeMode: 'conditional-update' | 'conditional-create';
}

export interface ClearinghouseDestination extends HttpCommon {
  type: 'clearinghouse';
  /** HTTPS endpoint payloads are posted to; '' when they are written to `outbox` instead. */
  url: string;
  auth: HttpAuth;
  /**
   * Folder exchange (many clearinghouses take files over SFTP; that leg stays outside): payloads
   * (837P batches, 270s) are written here atomically instead of posted. Exactly one of url and outbox.
   */
  outbox?: string | undefined;
  /** Folder the clearinghouse's answers (999, 277CA, 835, 271) arrive in; the x12-pickup job reads it. */
  inbox?: string | undefined;
  /** Claims go out in the daily claim-batch job, not as soon as they are queued (retries still follow the worker). */
  batch: boolean;
}

export interface MllpDestination {
  type: 'mllp';
  host: string;
  port: number;
  tls: boolean;
  /** With tls: PEM files (relative to the configuration file) for a private CA and a client certificate (mutual TLS). */
  tlsCaFile?: string | undefined;
  tlsCertFile?: string | undefined;
  tlsKeyFile?: string | undefined;
  /** With tls: the name the partner's certificate must carry, when it differs from host. */
  tlsServerName?: string | undefined;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  /** Close a reused connection after this long without traffic. */
  idleTimeoutMs: number;
  /**
   * Connections to the partner used side by side (default 1). MLLP is lock-step per connection;
   * with more, messages of different patients go out in parallel (a patient's stay in order).
   */
  connections: number;
  retry: RetryPolicyConfig;
  /** How generated HL7v2 (channel payload "hl7v2") is addressed and acknowledged; see OutboundHl7Settings. */
  hl7: OutboundHl7Settings;
}

/** HL7 table 0155 (accept/application acknowledgment conditions) for MSH-15/MSH-16. */
export const ACK_CONDITIONS = ['AL', 'NE', 'ER', 'SU'] as const;
export type AckCondition = (typeof ACK_CONDITIONS)[number];

/**
 * The `hl7` block of an MLLP destination: the header of every message Frontdesk generates for it
 * (office registrations, appointments, billing encounters, merges; src/flows/outbound/) and how its
 * acknowledgments are read. Raw forwarding (payload "raw") sends the inbound message unchanged.
 */
export interface OutboundHl7Settings {
  /** MSH-3 / MSH-4: who we are to the partner. */
  sendingApplication: string;
  sendingFacility: string;
  /** MSH-5 / MSH-6: the partner's application and facility, as the partner's interface spec names them. */
  receivingApplication?: string | undefined;
  receivingFacility?: string | undefined;
  /** MSH-11 processing id (table 0103): P production, T training, D debugging. */
  processingId: 'P' | 'T' | 'D';
  /**
   * MSH-15 accept acknowledgment type and MSH-16 application acknowledgment type (table 0155).
   * Both absent: original acknowledgment mode (one AA/AE/AR answer). Either present: enhanced mode.
   */
  acceptAckType?: AckCondition | undefined;
  applicationAckType?: AckCondition | undefined;
  /**
   * Enhanced mode: after a CA commit ACK, wait this long on the same connection for the application
   * ACK (MSA-2 = our MSH-10) when MSH-16 asks for one (AL, or ER/SU). 0: do not wait; CA alone is delivery.
   */
  applicationAckTimeoutMs: number;
  /** Registration events: "patient" A04 (new) / A08 (update); "person" A28 / A31 (person-level, no visit). */
  registrationEvents: 'patient' | 'person';
  /** MSH-10 is this prefix plus a durable sequence number (src/store/control-ids.ts); at most 8 characters. */
  controlIdPrefix: string;
}

export const DEFAULT_OUTBOUND_HL7: OutboundHl7Settings = {
  sendingApplication: 'FRONTDESK', sendingFacility: 'FRONTDESK', processingId: 'P',
  applicationAckTimeoutMs: 0, registrationEvents: 'patient', controlIdPrefix: 'FD',
};

/** A plain HTTPS endpoint (the office's own tools: office records as JSON, reminders): POST the payload as queued. */
export interface HttpDestination extends HttpCommon {
  type: 'http';
  url: string;
  auth: HttpAuth;
}

export type Destination = FhirDestination | ClearinghouseDestination | MllpDestination | HttpDestination;
export type Destinations = Record<string, Destination>;

export interface JobSetting {
  enabled: boolean;
  /** node-cron expression (5 or 6 fields), read in the jobs timezone. */
  schedule?: string | undefined;
}

export interface JobsConfig {
  /** IANA timezone the schedules are read in (the practice's). */
  timezone: string;
  settings: Record<string, JobSetting>;
  /** claim-batch: where claims go. */
  claimDestination: string;
  /** eligibility: where CoverageEligibilityRequests go (absent: the job does nothing). */
  eligibilityDestination?: string | undefined;
  /** reminders: where to send each reminder record (an http destination); absent: they stay in table reminders. */
  reminderDestination?: string | undefined;
  /** reminders: hours before the appointment a reminder becomes ready. */
  reminderLeadHours: number;
  /** retention: delivered outbox rows older than this are deleted. */
  retentionDays: number;
  /** retention: audit entries older than this are deleted (default 2190 days, six years). */
  auditRetentionDays: number;
}

export interface DeliveryConfig {
  destinations: Destinations;
  jobs: JobsConfig;
}

export const DEFAULT_RETRY: RetryPolicyConfig = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 3_600_000, jitter: 0.5 };
const HTTP_DEFAULTS = { timeoutMs: 15_000, maxResponseBytes: 5 * 1024 * 1024, maxRedirects: 3 };

/** Job names the checker accepts (the table itself is in src/jobs/table.ts). */
export const JOB_NAMES = ['claim-batch', 'drain-retries', 'eligibility', 'reminders', 'retention', 'x12-pickup'] as const;
export type JobName = (typeof JOB_NAMES)[number];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly issues: Issue[] = [];
  bad(where: string, msg: string): void {
    this.issues.push(issue('CONFIG_INVALID', `${where}: ${msg}`, where));
  }
  str(o: Obj, key: string, where: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined) {
      if (required) this.bad(`${where}.${key}`, 'is required.');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.bad(`${where}.${key}`, 'must be a non-empty string.');
      return undefined;
    }
    return v;
  }
  url(o: Obj, key: string, where: string, required = true): string | undefined {
    const v = this.str(o, key, where, required);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      this.bad(`${where}.${key}`, `is not a URL ("${v}").`);
      return undefined;
    }
    // Credentials and PHI travel on these: plain http only to this machine (tests, a local relay).
    const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) {
      this.bad(`${where}.${key}`, `must be https (plain http only to localhost); got "${u.protocol}".`);
      return undefined;
    }
    if (u.username || u.password) {
      this.bad(`${where}.${key}`, 'must not carry credentials; use auth.');
      return undefined;
    }
    return v.replace(/\/+$/, '');
  }
  int(o: Obj, key: string, where: string, def: number, min: number, max: number): number {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.bad(`${where}.${key}`, `must be an integer from ${min} to ${max}.`);
      return def;
    }
    return v;
  }
  bool(o: Obj, key: string, where: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      this.bad(`${where}.${key}`, 'must be true or false.');
      return def;
    }
    return v;
  }
  unknownKeys(o: Obj, allowed: readonly string[], where: string): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.bad(`${where}.${k}`, `is not a known key (known: ${allowed.join(', ')}).`);
  }
}

function checkRetry(c: Checker, raw: unknown, where: string): RetryPolicyConfig {
  if (raw === undefined) return { ...DEFAULT_RETRY };
  if (!isObj(raw)) {
    c.bad(where, 'must be an object.');
    return { ...DEFAULT_RETRY };
  }
  c.unknownKeys(raw, ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'jitter'], where);
  const out: RetryPolicyConfig = {
    maxAttempts: c.int(raw, 'maxAttempts', where, DEFAULT_RETRY.maxAttempts, 1, 100),
    baseDelayMs: c.int(raw, 'baseDelayMs', where, DEFAULT_RETRY.baseDelayMs, 0, 86_400_000),
    maxDelayMs: c.int(raw, 'maxDelayMs', where, DEFAULT_RETRY.maxDelayMs, 0, 7 * 86_400_000),
    jitter: DEFAULT_RETRY.jitter,
  };
  if (raw.jitter !== undefined) {
    if (typeof raw.jitter !== 'number' || raw.jitter < 0 || raw.jitter > 1) c.bad(`${where}.jitter`, 'must be a number from 0 to 1.');
    else out.jitter = raw.jitter;
  }
  if (out.maxDelayMs < out.baseDelayMs) c.bad(`${where}.maxDelayMs`, 'must not be below baseDelayMs.');
  return out;
}

function checkAuth(c: Checker, raw: unknown, where: string): HttpAuth {
  if (raw === undefined) return { type: 'none' };
  if (!isObj(raw)) {
    c.bad(where, 'must be an object.');
    return { type: 'none' };
  }
  const type = raw.type;
  switch (type) {
    case 'none':
      return { type: 'none' };
    case 'bearer': {
      c.unknownKeys(raw, ['type', 'token'], where);
      return { type: 'bearer', token: c.str(raw, 'token', where, true) ?? '' };
    }
    case 'api-key': {
      c.unknownKeys(raw, ['type', 'header', 'key'], where);
      return { type: 'api-key', header: c.str(raw, 'header', where, false) ?? 'X-API-Key', key: c.str(raw, 'key', where, true) ?? '' };
    }
    case 'smart-backend': {
      c.unknownKeys(raw, ['type', 'tokenUrl', 'clientId', 'alg', 'kid', 'privateKeyPem', 'privateKeyFile', 'privateJwk', 'scope'], where);
      const tokenUrl = c.url(raw, 'tokenUrl', where) ?? '';
      const clientId = c.str(raw, 'clientId', where, true) ?? '';
      const alg = raw.alg ?? 'RS384';
      if (alg !== 'RS384' && alg !== 'ES384') c.bad(`${where}.alg`, `must be RS384 or ES384 (SMART Backend Services); got "${String(alg)}".`);
      const pem = c.str(raw, 'privateKeyPem', where, false);
      const file = c.str(raw, 'privateKeyFile', where, false);
      let jwk: Record<string, unknown> | undefined;
      if (raw.privateJwk !== undefined) {
        if (!isObj(raw.privateJwk)) c.bad(`${where}.privateJwk`, 'must be a JWK object.');
        else jwk = raw.privateJwk;
      }
      const given = [pem, file, jwk].filter((x) => x !== undefined).length;
      if (given !== 1) c.bad(`${where}.privateKeyPem`, 'exactly one of privateKeyPem, privateKeyFile, privateJwk is required.');
      if (pem !== undefined && !pem.includes('PRIVATE KEY')) c.bad(`${where}.privateKeyPem`, 'must be a PKCS#8 PEM private key.');
      return {
        type: 'smart-backend', tokenUrl, clientId, alg: alg === 'ES384' ? 'ES384' : 'RS384',
        kid: c.str(raw, 'kid', where, false), privateKeyPem: pem, privateKeyFile: file, privateJwk: jwk,
        scope: c.str(raw, 'scope', where, false) ?? 'system/*.write',
      };
    }
    default:
      c.bad(`${where}.type`, `must be one of none, bearer, api-key, smart-backend; got "${String(type)}".`);
      return { type: 'none' };
  }
}

function checkDestination(c: Checker, raw: unknown, where: string): Destination | undefined {
  if (!isObj(raw)) {
    c.bad(where, 'must be an object.');
    return undefined;
  }
  const retry = checkRetry(c, raw.retry, `${where}.retry`);
  switch (raw.type) {
    case 'fhir': {
      c.unknownKeys(raw, ['type', 'baseUrl', 'auth', 'writeMode', 'timeoutMs', 'maxResponseBytes', 'maxRedirects', 'retry'], where);
      const writeMode = raw.writeMode ?? 'conditional-update';
      if (writeMode !== 'conditional-update' && writeMode !== 'conditional-create') c.bad(`${where}.writeMode`, 'must be conditional-update or conditional-create.');
      return {
        type: 'fhir', baseUrl: c.url(raw, 'baseUrl', where) ?? '', auth: checkAuth(c, raw.auth, `${where}.auth`),
        writeMode: writeMode === 'conditional-create' ? 'conditional-create' : 'conditional-update', ...httpCommon(c, raw, where), retry,
      };
    }
    case 'clearinghouse': {
      c.unknownKeys(raw, ['type', 'url', 'outbox', 'inbox', 'auth', 'batch', 'timeoutMs', 'maxResponseBytes', 'maxRedirects', 'retry'], where);
      const outbox = c.str(raw, 'outbox', where, false);
      const inbox = c.str(raw, 'inbox', where, false);
      if (outbox !== undefined && raw.url !== undefined) c.bad(`${where}.outbox`, 'give url (HTTPS) or outbox (a folder), not both.');
      if (outbox !== undefined && inbox !== undefined && resolvePath(outbox) === resolvePath(inbox)) c.bad(`${where}.inbox`, 'must not be the outbox folder (our own batches would be read as answers).');
      return {
        type: 'clearinghouse', url: outbox !== undefined && raw.url === undefined ? '' : c.url(raw, 'url', where) ?? '', auth: checkAuth(c, raw.auth, `${where}.auth`),
        ...(outbox !== undefined ? { outbox } : {}), ...(inbox !== undefined ? { inbox } : {}),
        batch: c.bool(raw, 'batch', where, true), ...httpCommon(c, raw, where), retry,
      };
    }
    case 'http': {
      c.unknownKeys(raw, ['type', 'url', 'auth', 'timeoutMs', 'maxResponseBytes', 'maxRedirects', 'retry'], where);
      return { type: 'http', url: c.url(raw, 'url', where) ?? '', auth: checkAuth(c, raw.auth, `${where}.auth`), ...httpCommon(c, raw, where), retry };
    }
    case 'mllp': {
      c.unknownKeys(raw, ['type', 'host', 'port', 'tls', 'tlsCaFile', 'tlsCertFile', 'tlsKeyFile', 'tlsServerName', 'connectTimeoutMs', 'ackTimeoutMs', 'idleTimeoutMs', 'connections', 'retry', 'hl7'], where);
      const tls = c.bool(raw, 'tls', where, false);
      const tlsFiles = {
        tlsCaFile: c.str(raw, 'tlsCaFile', where, false), tlsCertFile: c.str(raw, 'tlsCertFile', where, false),
        tlsKeyFile: c.str(raw, 'tlsKeyFile', where, false), tlsServerName: c.str(raw, 'tlsServerName', where, false),
      };
      if (!tls && Object.values(tlsFiles).some((v) => v !== undefined)) c.bad(`${where}.tls`, 'must be true when TLS files are given.');
      if ((tlsFiles.tlsCertFile === undefined) !== (tlsFiles.tlsKeyFile === undefined)) c.bad(`${where}.tlsKeyFile`, 'tlsCertFile and tlsKeyFile go together (client certificate).');
      return {
        type: 'mllp', host: c.str(raw, 'host', where, true) ?? '', port: c.int(raw, 'port', where, 0, 1, 65535),
        tls, ...tlsFiles,
        connectTimeoutMs: c.int(raw, 'connectTimeoutMs', where, 10_000, 1, 600_000),
        ackTimeoutMs: c.int(raw, 'ackTimeoutMs', where, 30_000, 1, 600_000),
        idleTimeoutMs: c.int(raw, 'idleTimeoutMs', where, 60_000, 1, 3_600_000),
        connections: c.int(raw, 'connections', where, 1, 1, 64),
        retry,
        hl7: checkOutboundHl7(c, raw.hl7, `${where}.hl7`),
      };
    }
    default:
      c.bad(`${where}.type`, `must be one of fhir, mllp, clearinghouse, http; got "${String(raw.type)}".`);
      return undefined;
  }
}

/** HD-1 namespace ids in MSH-3..6: no HL7 delimiters, at most 227 characters (v2.5.1 HD.1 IS). */
function hdName(c: Checker, o: Obj, key: string, where: string, def?: string): string | undefined {
  const v = c.str(o, key, where, false);
  if (v === undefined) return def;
  if (/[|^~\\&\r\n]/.test(v) || v.length > 227) {
    c.bad(`${where}.${key}`, 'must not contain HL7 delimiters (| ^ ~ \\ &) and be at most 227 characters.');
    return def;
  }
  return v;
}

function checkOutboundHl7(c: Checker, raw: unknown, where: string): OutboundHl7Settings {
  const out: OutboundHl7Settings = { ...DEFAULT_OUTBOUND_HL7 };
  if (raw === undefined) return out;
  if (!isObj(raw)) {
    c.bad(where, 'must be an object.');
    return out;
  }
  c.unknownKeys(raw, ['sendingApplication', 'sendingFacility', 'receivingApplication', 'receivingFacility', 'processingId',
    'acceptAckType', 'applicationAckType', 'applicationAckTimeoutMs', 'registrationEvents', 'controlIdPrefix'], where);
  out.sendingApplication = hdName(c, raw, 'sendingApplication', where, out.sendingApplication)!;
  out.sendingFacility = hdName(c, raw, 'sendingFacility', where, out.sendingFacility)!;
  out.receivingApplication = hdName(c, raw, 'receivingApplication', where);
  out.receivingFacility = hdName(c, raw, 'receivingFacility', where);
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      c.bad(`${where}.${key}`, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}.`);
      return undefined;
    }
    return v as T;
  };
  out.processingId = oneOf('processingId', ['P', 'T', 'D'] as const) ?? 'P';
  out.acceptAckType = oneOf('acceptAckType', ACK_CONDITIONS);
  out.applicationAckType = oneOf('applicationAckType', ACK_CONDITIONS);
  out.applicationAckTimeoutMs = c.int(raw, 'applicationAckTimeoutMs', where, 0, 0, 600_000);
  if (out.applicationAckTimeoutMs > 0 && (out.applicationAckType === undefined || out.applicationAckType === 'NE')) {
    c.bad(`${where}.applicationAckTimeoutMs`, 'waits for an application ACK: set applicationAckType (MSH-16) to AL, ER or SU.');
  }
  out.registrationEvents = oneOf('registrationEvents', ['patient', 'person'] as const) ?? 'patient';
  const prefix = raw.controlIdPrefix;
  if (prefix !== undefined) {
    if (typeof prefix !== 'string' || !/^[A-Za-z0-9]{0,8}$/.test(prefix)) c.bad(`${where}.controlIdPrefix`, 'must be 0 to 8 letters or digits.');
    else out.controlIdPrefix = prefix;
  }
  return out;
}

function httpCommon(c: Checker, raw: Obj, where: string): Omit<HttpCommon, 'retry'> {
  if (raw.port !== undefined && raw.type !== 'mllp') c.bad(`${where}.port`, 'belongs in the URL.');
  return {
    timeoutMs: c.int(raw, 'timeoutMs', where, HTTP_DEFAULTS.timeoutMs, 1, 600_000),
    maxResponseBytes: c.int(raw, 'maxResponseBytes', where, HTTP_DEFAULTS.maxResponseBytes, 1024, 512 * 1024 * 1024),
    maxRedirects: c.int(raw, 'maxRedirects', where, HTTP_DEFAULTS.maxRedirects, 0, 10),
  };
}

function checkJobs(c: Checker, raw: unknown, destinations: Destinations, practiceTimezone: string): JobsConfig {
  const out: JobsConfig = { timezone: practiceTimezone, settings: {}, claimDestination: 'clearinghouse', reminderLeadHours: 24, retentionDays: 30, auditRetentionDays: 2190 };
  for (const n of JOB_NAMES) out.settings[n] = { enabled: true };
  // x12-pickup reads the clearinghouses' inbox folders: nothing to do without one.
  const inboxes = Object.values(destinations).some((d) => d.type === 'clearinghouse' && d.inbox);
  if (raw === undefined) {
    if (!('clearinghouse' in destinations)) out.settings['claim-batch'] = { enabled: false };
    out.settings.eligibility = { enabled: false };
    if (!inboxes) out.settings['x12-pickup'] = { enabled: false };
    return out;
  }
  if (!isObj(raw)) {
    c.bad('jobs', 'must be an object.');
    return out;
  }
  c.unknownKeys(raw, ['timezone', 'claimDestination', 'eligibilityDestination', 'reminderDestination', 'reminderLeadHours', 'retentionDays', 'auditRetentionDays', ...JOB_NAMES], 'jobs');
  const tz = c.str(raw, 'timezone', 'jobs', false);
  if (tz !== undefined) {
    if (isIanaTimezone(tz)) out.timezone = tz;
    else c.bad('jobs.timezone', `is not an IANA timezone ("${tz}").`);
  }
  out.claimDestination = c.str(raw, 'claimDestination', 'jobs', false) ?? 'clearinghouse';
  out.eligibilityDestination = c.str(raw, 'eligibilityDestination', 'jobs', false);
  out.reminderDestination = c.str(raw, 'reminderDestination', 'jobs', false);
  if (out.reminderDestination !== undefined) {
    const d = destinations[out.reminderDestination];
    if (!d) c.bad('jobs.reminderDestination', `names no destination ("${out.reminderDestination}").`);
    else if (d.type !== 'http') c.bad('jobs.reminderDestination', `must name an http destination (the office's text or email tool); "${out.reminderDestination}" is ${d.type}.`);
  }
  out.reminderLeadHours = c.int(raw, 'reminderLeadHours', 'jobs', 24, 1, 24 * 14);
  out.retentionDays = c.int(raw, 'retentionDays', 'jobs', 30, 1, 3650);
  out.auditRetentionDays = c.int(raw, 'auditRetentionDays', 'jobs', 2190, 1, 36500);
  for (const n of JOB_NAMES) {
    const s = raw[n];
    const where = `jobs.${n}`;
    if (s === undefined) continue;
    if (!isObj(s)) {
      c.bad(where, 'must be an object ({ "enabled": true, "schedule": "0 18 * * *" }).');
      continue;
    }
    c.unknownKeys(s, ['enabled', 'schedule'], where);
    const schedule = c.str(s, 'schedule', where, false);
    if (schedule !== undefined && !cronValidate(schedule)) c.bad(`${where}.schedule`, `is not a cron expression ("${schedule}").`);
    out.settings[n] = { enabled: c.bool(s, 'enabled', where, true), schedule };
  }
  const claimOn = out.settings['claim-batch']!.enabled;
  const ch = destinations[out.claimDestination];
  if (claimOn && raw['claim-batch'] !== undefined && !ch) c.bad('jobs.claimDestination', `names no destination ("${out.claimDestination}").`);
  else if (claimOn && ch && ch.type !== 'clearinghouse') c.bad('jobs.claimDestination', `must name a clearinghouse destination; "${out.claimDestination}" is ${ch.type}.`);
  if (!ch) out.settings['claim-batch'] = { ...out.settings['claim-batch']!, enabled: false };
  if (!inboxes) {
    if (raw['x12-pickup'] !== undefined && out.settings['x12-pickup']!.enabled) c.bad('jobs.x12-pickup', 'reads the inbox folders of clearinghouse destinations; no clearinghouse destination names an inbox.');
    out.settings['x12-pickup'] = { ...out.settings['x12-pickup']!, enabled: false };
  }
  if (out.eligibilityDestination !== undefined) {
    const d = destinations[out.eligibilityDestination];
    if (!d) c.bad('jobs.eligibilityDestination', `names no destination ("${out.eligibilityDestination}").`);
    else if (d.type === 'mllp') c.bad('jobs.eligibilityDestination', 'must be a fhir, clearinghouse or http destination (CoverageEligibilityRequest is FHIR).');
  } else {
    out.settings.eligibility = { ...out.settings.eligibility!, enabled: false };
  }
  return out;
}

/**
 * Check and normalise `{ destinations, jobs }` from the configuration file (the whole file may be
 * passed: other keys are ignored). Issues name the bad key; the value holds defaults filled in.
 */
export function parseDeliveryConfig(raw: unknown, practiceTimezone = 'America/New_York', baseDir?: string): Result<DeliveryConfig> {
  const c = new Checker();
  const destinations: Destinations = {};
  const root = isObj(raw) ? raw : {};
  if (!isObj(raw)) c.bad('(root)', 'configuration must be an object.');
  const ds = root.destinations;
  if (ds !== undefined && !isObj(ds)) c.bad('destinations', 'must be an object keyed by destination name.');
  if (isObj(ds)) {
    for (const [name, d] of Object.entries(ds)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) c.bad(`destinations.${name}`, 'name must be letters, digits, - or _.');
      const checked = checkDestination(c, d, `destinations.${name}`);
      if (checked) destinations[name] = checked;
    }
  }
  const jobs = checkJobs(c, root.jobs, destinations, practiceTimezone);
  // Key files are named relative to the configuration file.
  if (baseDir !== undefined) {
    const fromBase = (f: string | undefined) => (f === undefined || isAbsolute(f) ? f : resolvePath(baseDir, f));
    for (const d of Object.values(destinations)) {
      if (d.type === 'mllp') {
        d.tlsCaFile = fromBase(d.tlsCaFile);
        d.tlsCertFile = fromBase(d.tlsCertFile);
        d.tlsKeyFile = fromBase(d.tlsKeyFile);
      } else if (d.auth.type === 'smart-backend') {
        d.auth.privateKeyFile = fromBase(d.auth.privateKeyFile);
      }
      if (d.type === 'clearinghouse') {
        d.outbox = fromBase(d.outbox);
        d.inbox = fromBase(d.inbox);
      }
    }
  }
  return { value: c.issues.length ? undefined : { destinations, jobs }, issues: c.issues };
}

/** Issues in the `destinations` and `jobs` sections (empty when they are fine). */
export function checkDeliveryConfig(raw: unknown, practiceTimezone?: string): Issue[] {
  return parseDeliveryConfig(raw, practiceTimezone).issues;
}
