/**
 * Gateway configuration: the reader of the configuration file and of the environment variables that
 * override it (listed below). A few others are read where they are used: FRONTDESK_PROFILE_DIR
 * (validation/registry.ts, cli/validate.ts), FRONTDESK_ALLOW_UNKNOWN_EXTENSIONS (validation/registry.ts),
 * FRONTDESK_DEFINITIONS_CACHE (validation/definitions.ts), FRONTDESK_TIMEZONE as the default of
 * `frontdesk convert|validate --timezone`.
 * The file is JSON; it is checked completely at start and every problem is reported as a
 * CONFIG_INVALID issue whose expression names the bad key (`channels[1].source.mllp.port`).
 *
 * Environment overrides (for containers and tests):
 *   FRONTDESK_CONFIG      configuration file (default examples/config/gateway.json)
 *   FRONTDESK_DB          SQLite file (overrides store.path, and store.url: the named file is used)
 *   FRONTDESK_DATABASE_URL  postgres:// URL of a PostgreSQL store (overrides store.url, store.path
 *                         and FRONTDESK_DB)
 *   FRONTDESK_HTTP_HOST / FRONTDESK_HTTP_PORT, FRONTDESK_MLLP_HOST
 *   FRONTDESK_MLLP_PORT_<CHANNEL>  one channel's MLLP port (name upper-cased, other characters
 *                         as _: FRONTDESK_MLLP_PORT_LAB_RESULTS for channel "lab-results")
 *   FRONTDESK_LOG_LEVEL   pino level (info by default)
 *   FRONTDESK_INSTANCE    this gateway's instance name (overrides `instance`; default gateway@<hostname>):
 *                         the delivery leases it holds are taken back at once when it starts again
 *   FRONTDESK_TIMEZONE    practice timezone (overrides practice.timezone)
 *   FRONTDESK_TEST_HOOK   test-only: 'pause-after-commit' makes processing wait forever after the
 *                         raw message is committed (and says so on stdout), so a test can SIGKILL
 *                         the process in exactly that window.
 * API keys may name an environment variable (`keyEnv`) instead of holding the secret.
 */
import { DEFAULT_VALIDATION_MODE, VALIDATION_MODES, type ValidationMode } from './hl7/tolerance.js';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { defaultWorkers } from './runtime/offload.js';
import { DEFAULT_QUEUE_WINDOW } from './runtime/store-backlog.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { issue, type Issue, type Result } from './domain/issues.js';
import { isIanaTimezone } from './domain/timezone.js';
import { EXAMPLES_DIR } from './paths.js';
import { parseDeliveryConfig, type DeliveryConfig } from './delivery/config.js';
import { checkBillingIdentity, type BillingIdentity } from './billing/identity.js';
import { checkConsoleConfig, type ConsoleConfig } from './console/oauth-config.js';
import { CHARSETS, charsetOf, type Charset } from './hl7/charset.js';
import { checkJwksFile, DEFAULT_JWT_ALGORITHMS } from './auth/jwks-file.js';
import { parseSmartScope } from './auth/scopes.js';

/**
 * Frontdesk's endpoint scopes. `fhir` is the legacy name of full FHIR access (`system/*.cruds`);
 * an API key may instead hold SMART system scopes (`system/Patient.rs`, `system/*.read`,
 * src/auth/scopes.ts), enforced per interaction and resource type like a JWT's.
 */
export type Scope = 'fhir' | 'office' | 'hl7v2' | 'operator' | 'metrics' | '*';
export const SCOPES: readonly Scope[] = ['fhir', 'office', 'hl7v2', 'operator', 'metrics', '*'];

/** Signature algorithms a JWT may use: asymmetric only (a JWKS holds public keys). */
export const JWT_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Bearer JWTs from one trusted authorization server (SMART Backend Services clients): `http.auth.jwt`.
 * Exactly one of `jwksFile` (resolved from the configuration file's folder) and `jwksUrl`.
 */
export interface JwtAuthConfig {
  issuer: string[];
  audience: string[];
  jwksFile?: string;
  jwksUrl?: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  maxLifetimeSeconds?: number;
  /** The authorization server's token endpoint, advertised in the CapabilityStatement and smart-configuration. */
  tokenEndpoint?: string;
}

/**
 * What a channel sends to a destination: the FHIR Bundle, each office record, the inbound message
 * as received, or HL7v2 generated from the office records (ADT/SIU/DFT, src/flows/outbound/).
 */
export type PayloadKind = 'bundle' | 'office' | 'raw' | 'hl7v2';
export const PAYLOAD_KINDS: readonly PayloadKind[] = ['bundle', 'office', 'raw', 'hl7v2'];

export interface TlsConfig {
  keyFile: string;
  certFile: string;
  caFile?: string;
  /** Ask for and verify a client certificate (mutual TLS). */
  requireClientCert: boolean;
}

export interface ChannelDestination {
  name: string;
  payload: PayloadKind;
}

export interface ChannelConfig {
  name: string;
  source: { mllp?: { port: number; host?: string; tls?: TlsConfig }; http?: { path: string } };
  /** Flow name from src/flows/registry.ts; absent: chosen by message type. */
  flow?: string;
  /** Accepted message types ('ADT^A04', 'ADT^*'); absent: whatever a flow handles. */
  messageTypes?: string[];
  destinations: ChannelDestination[];
  /**
   * HL7v2 message-profile errors (validateMessage), judged by the tolerance policy (src/hl7/tolerance.ts,
   * docs/hl7v2.md): 'strict' answers AE on any of them and stores no output; 'tolerant' (default)
   * keeps as errors only those that lose identity or meaning (MSH-9, MSH-10, PID-3) and reports the
   * rest as warnings (ERR severity W in the AA); 'lenient' reports all of them as warnings and lets
   * the flow decide. Flow errors are always AE.
   */
  validation: ValidationMode;
  /**
   * HL7v2 character set (table 0211) for senders that leave MSH-18 empty: ASCII, 8859/1, 8859/15
   * or UNICODE UTF-8 (default; reads ASCII unchanged). A filled MSH-18 always wins.
   */
  encoding?: Charset;
}

export interface ApiKeyConfig {
  name: string;
  key: string;
  /** Endpoint scopes (Scope) and SMART system scopes (`system/Patient.rs`), as configured. */
  scopes: string[];
}

export interface GatewayConfig {
  /** Directory of the configuration file (relative paths inside it resolve from here). */
  baseDir: string;
  /**
   * This gateway's name, stable across restarts: delivery leases carry it, and a gateway that
   * starts again takes back the rows its earlier runs left in flight (src/delivery/worker.ts).
   * Two gateways on one store need two names.
   */
  instance: string;
  practice: { name: string; timezone: string };
  /** `url` (postgres://...) selects the PostgreSQL engine; otherwise `path` is the SQLite file. */
  store: { path: string; url?: string; urlKey?: 'store.url' | 'FRONTDESK_DATABASE_URL' };
  /** Folder of extra StructureDefinitions, compiled at start with the built-in profiles. */
  profiles: { extraDir?: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  mllp: {
    host: string;
    /** Largest MLLP frame accepted, bytes. */
    maxFrameBytes: number;
    /** A frame must be complete this long after its start block arrived (slowloris guard). */
    frameTimeoutMs: number;
    /** A connection with no traffic for this long is closed. */
    idleTimeoutMs: number;
    /** A connection that sends no byte this long after it opened is closed (idle sockets never hold a slot long). */
    firstByteTimeoutMs: number;
    /**
     * Connections open at once per listener. At the limit a new connection closes the longest-idle
     * one (no frame in progress or being answered); only when every one is busy is it refused.
     */
    maxConnections: number;
    /** Connections open at once per listener from one remote address; more are refused. */
    maxConnectionsPerAddress: number;
    /** Frames of one connection received and not yet answered above which its socket is paused (TCP back-pressure). */
    maxPendingFrames: number;
  };
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /**
     * Failed-authentication throttling per client address (src/http/throttle.ts): after
     * `maxFailures` within `windowSeconds`, 429 with Retry-After for `lockoutSeconds`.
     */
    auth: { keys: ApiKeyConfig[]; maxFailures: number; windowSeconds: number; lockoutSeconds: number; jwt?: JwtAuthConfig };
    /** HTTPS on the HTTP listener (HSTS sent when on); `requireClientCert` asks for and verifies a client certificate against `caFile`. */
    tls?: TlsConfig;
  };
  processing: {
    maxAttempts: number;
    /** HL7v2 messages of this many bytes or more are parsed, mapped and validated in a worker thread (0: never). */
    offloadBytes: number;
    /** Worker threads for that (default: cores - 1, at least 1). */
    workers: number;
    /** Messages committed and waiting for processing above which intake stops taking frames (back-pressure). */
    maxBacklog: number;
    /**
     * Of those, the ones whose senders wait for nothing more (enhanced mode, MSH-16 NE) queued in
     * memory at most; past it they wait in the store and are read back in order (src/runtime/store-backlog.ts).
     */
    queueWindow: number;
    /**
     * A message committed but never attempted for this long is processed by whichever instance sees
     * it (the instance that stored it died after the commit); 0 turns the sweep off.
     */
    takeoverAfterMs: number;
  };
  channels: ChannelConfig[];
  /**
   * The `destinations` and `jobs` sections, checked and typed here once (the rules live in
   * src/delivery/config.ts); key files resolved from the configuration file's folder.
   */
  delivery: DeliveryConfig;
  /** The practice's billing identity (src/billing/identity.ts): billing provider, pay-to, clearinghouse ids. */
  billing?: BillingIdentity;
  /** The web console's optional OAuth/SMART login (src/console/oauth-config.ts). */
  console: ConsoleConfig;
  testHook?: 'pause-after-commit';
}

export const DEFAULT_CONFIG_FILE = resolve(EXAMPLES_DIR, 'config/gateway.json');

export interface Env {
  [key: string]: string | undefined;
}

/** Read and check the configuration file; `env` defaults to process.env. */
export function loadConfig(file?: string, env: Env = process.env): Result<GatewayConfig> {
  const path = resolve(file ?? env.FRONTDESK_CONFIG ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { value: undefined, issues: [issue('CONFIG_INVALID', `Cannot read configuration file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`)] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { value: undefined, issues: [issue('CONFIG_INVALID', `Configuration file ${path} is not valid JSON: ${(e as Error).message}`)] };
  }
  return checkConfig(json, dirname(path), env);
}

/** Check a parsed configuration object. Unknown keys are errors too (a typo must not be ignored). */
export function checkConfig(json: unknown, baseDir: string, env: Env = process.env): Result<GatewayConfig> {
  const c = new Checker();
  const root = c.object(json, '');
  if (!root) return { value: undefined, issues: c.issues };
  c.keys(root, '', ['$schema', 'instance', 'practice', 'store', 'profiles', 'log', 'mllp', 'http', 'processing', 'channels', 'destinations', 'jobs', 'billing', 'console']);

  // Extra StructureDefinitions a practice drops in (US Core, its EHR's), validated by canonical URL.
  const profiles = c.object(root.profiles ?? {}, 'profiles') ?? {};
  c.keys(profiles, 'profiles', ['extraDir']);
  const extraDir = env.FRONTDESK_PROFILE_DIR ?? (profiles.extraDir === undefined ? undefined : c.string(profiles.extraDir, 'profiles.extraDir'));

  const practice = c.object(root.practice ?? {}, 'practice') ?? {};
  c.keys(practice, 'practice', ['name', 'timezone']);
  const timezone = env.FRONTDESK_TIMEZONE ?? c.string(practice.timezone ?? 'America/New_York', 'practice.timezone');
  if (timezone && !isIanaTimezone(timezone)) c.error('practice.timezone', `"${timezone}" is not an IANA timezone.`);

  const store = c.object(root.store ?? {}, 'store') ?? {};
  c.keys(store, 'store', ['path', 'url']);
  const storePath = env.FRONTDESK_DB ?? c.string(store.path ?? './data/frontdesk.db', 'store.path') ?? '';
  // FRONTDESK_DATABASE_URL wins; a SQLite file named by FRONTDESK_DB (the CLI's --db) wins over store.url.
  const urlKey = env.FRONTDESK_DATABASE_URL !== undefined ? 'FRONTDESK_DATABASE_URL' as const : 'store.url' as const;
  const storeUrl = env.FRONTDESK_DATABASE_URL ?? (env.FRONTDESK_DB !== undefined || store.url === undefined ? undefined : c.string(store.url, 'store.url'));
  if (storeUrl !== undefined) checkStoreUrl(c, storeUrl, urlKey);

  const log = c.object(root.log ?? {}, 'log') ?? {};
  c.keys(log, 'log', ['level']);
  const level = env.FRONTDESK_LOG_LEVEL ?? c.string(log.level ?? 'info', 'log.level');
  const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (level && !LEVELS.includes(level)) c.error('log.level', `must be one of ${LEVELS.join(', ')}; got "${level}".`);

  const mllp = c.object(root.mllp ?? {}, 'mllp') ?? {};
  c.keys(mllp, 'mllp', ['host', 'maxFrameBytes', 'frameTimeoutMs', 'idleTimeoutMs', 'firstByteTimeoutMs', 'maxConnections', 'maxConnectionsPerAddress', 'maxPendingFrames']);
  const http = c.object(root.http ?? {}, 'http') ?? {};
  c.keys(http, 'http', ['host', 'port', 'bodyLimitBytes', 'auth', 'tls']);
  const auth = c.object(http.auth ?? {}, 'http.auth') ?? {};
  c.keys(auth, 'http.auth', ['keys', 'maxFailures', 'windowSeconds', 'lockoutSeconds', 'jwt']);
  const jwt = auth.jwt === undefined ? undefined : checkJwt(c, auth.jwt, 'http.auth.jwt', baseDir);
  const httpTls = http.tls === undefined ? undefined : checkTls(c, http.tls, 'http.tls', baseDir);
  const keys = (c.array(auth.keys ?? [], 'http.auth.keys') ?? []).map((k, i) => checkKey(c, k, `http.auth.keys[${i}]`, env));

  const processing = c.object(root.processing ?? {}, 'processing') ?? {};
  c.keys(processing, 'processing', ['maxAttempts', 'offloadBytes', 'workers', 'takeoverAfterMs', 'maxBacklog', 'queueWindow']);

  const channels = (c.array(root.channels, 'channels') ?? []).map((ch, i) => checkChannel(c, ch, `channels[${i}]`, baseDir));
  // FRONTDESK_MLLP_PORT_<CHANNEL> overrides a channel's MLLP port, as FRONTDESK_HTTP_PORT does http.port.
  for (const ch of channels) {
    const key = ch?.source.mllp ? mllpPortEnv(ch.name) : undefined;
    if (!ch?.source.mllp || !key || env[key] === undefined) continue;
    const port = c.int(Number(env[key]), key, 0, 65535);
    if (port !== undefined) ch.source.mllp.port = port;
  }
  const names = new Set<string>();
  const ports = new Set<number>();
  const paths = new Set<string>();
  channels.forEach((ch, i) => {
    if (!ch) return;
    if (names.has(ch.name)) c.error(`channels[${i}].name`, `duplicate channel name "${ch.name}".`);
    names.add(ch.name);
    const port = ch.source.mllp?.port;
    if (port !== undefined && port !== 0) {
      if (ports.has(port)) c.error(`channels[${i}].source.mllp.port`, `port ${port} is used by another channel.`);
      ports.add(port);
    }
    const p = ch.source.http?.path;
    if (p !== undefined) {
      if (paths.has(p)) c.error(`channels[${i}].source.http.path`, `path ${p} is used by another channel.`);
      paths.add(p);
    }
  });

  // Every destination a channel names must be declared under `destinations` (checked in detail by delivery).
  const declared = destinationNames(root.destinations);
  channels.forEach((ch, i) => ch?.destinations.forEach((d, j) => {
    if (d.name && !declared.has(d.name)) {
      c.error(`channels[${i}].destinations[${j}]`, `destination "${d.name}" is not declared under "destinations".`);
      return;
    }
    // The delivery clients send the payload as it is: it must be what the partner speaks.
    const type = destinationType(root.destinations, d.name);
    const fits: Record<string, readonly PayloadKind[]> = { mllp: ['raw', 'hl7v2'], fhir: ['bundle'], clearinghouse: ['bundle'], http: ['bundle', 'office', 'raw'] };
    if (type && fits[type] && !fits[type]!.includes(d.payload)) {
      c.error(`channels[${i}].destinations[${j}]`, `destination "${d.name}" is of type ${type}; it takes payload ${fits[type]!.map((x) => `"${x}"`).join(' or ')}, not "${d.payload}".`);
    }
  }));

  // `destinations` and `jobs`: delivery's rules (issues name the bad key), read once here.
  const delivery = parseDeliveryConfig({ destinations: root.destinations, jobs: root.jobs }, timezone, baseDir);
  c.issues.push(...delivery.issues);

  // The billing identity (837P 1000A/B, 2010AA/AB, ISA/GS ids); clearinghouse keys must be declared destinations.
  let billing: BillingIdentity | undefined;
  if (root.billing !== undefined) {
    const clearinghouses = new Set([...declared].filter((n) => destinationType(root.destinations, n) === 'clearinghouse'));
    const b = checkBillingIdentity(root.billing, clearinghouses);
    c.issues.push(...b.issues);
    billing = b.value;
  }

  // The console's OAuth login, when configured (src/console/oauth-config.ts).
  const consoleCfg = checkConsoleConfig(root.console, baseDir, env);
  c.issues.push(...consoleCfg.issues);

  const hook = env.FRONTDESK_TEST_HOOK;
  if (hook !== undefined && hook !== '' && hook !== 'pause-after-commit') c.error('FRONTDESK_TEST_HOOK', `unknown test hook "${hook}".`);

  const instance = env.FRONTDESK_INSTANCE ?? c.string(root.instance ?? `gateway@${hostname()}`, 'instance') ?? '';
  if (instance === '') c.error('instance', 'the instance name must not be empty.');

  const cfg: GatewayConfig = {
    baseDir,
    instance,
    // Absent only when it has issues, and then no configuration is returned (below).
    delivery: delivery.value as DeliveryConfig,
    practice: { name: c.string(practice.name ?? 'Frontdesk practice', 'practice.name') ?? '', timezone: timezone ?? 'America/New_York' },
    store: {
      path: storePath === ':memory:' || isAbsolute(storePath) ? storePath : resolve(storePath),
      ...(storeUrl !== undefined ? { url: storeUrl, urlKey } : {}),
    },
    profiles: extraDir ? { extraDir: isAbsolute(extraDir) ? extraDir : resolve(baseDir, extraDir) } : {},
    log: { level: (level ?? 'info') as GatewayConfig['log']['level'] },
    mllp: {
      host: env.FRONTDESK_MLLP_HOST ?? c.string(mllp.host ?? '127.0.0.1', 'mllp.host') ?? '127.0.0.1',
      maxFrameBytes: c.int(mllp.maxFrameBytes ?? 16 * 1024 * 1024, 'mllp.maxFrameBytes', 1) ?? 0,
      frameTimeoutMs: c.int(mllp.frameTimeoutMs ?? 30_000, 'mllp.frameTimeoutMs', 1) ?? 0,
      idleTimeoutMs: c.int(mllp.idleTimeoutMs ?? 600_000, 'mllp.idleTimeoutMs', 1) ?? 0,
      firstByteTimeoutMs: c.int(mllp.firstByteTimeoutMs ?? 10_000, 'mllp.firstByteTimeoutMs', 1) ?? 10_000,
      maxConnections: c.int(mllp.maxConnections ?? 256, 'mllp.maxConnections', 1) ?? 256,
      maxConnectionsPerAddress: c.int(mllp.maxConnectionsPerAddress ?? 64, 'mllp.maxConnectionsPerAddress', 1) ?? 64,
      maxPendingFrames: c.int(mllp.maxPendingFrames ?? 64, 'mllp.maxPendingFrames', 1) ?? 64,
    },
    http: {
      host: env.FRONTDESK_HTTP_HOST ?? c.string(http.host ?? '127.0.0.1', 'http.host') ?? '127.0.0.1',
      port: env.FRONTDESK_HTTP_PORT !== undefined ? c.int(Number(env.FRONTDESK_HTTP_PORT), 'FRONTDESK_HTTP_PORT', 0, 65535) ?? 0 : c.int(http.port ?? 8080, 'http.port', 0, 65535) ?? 0,
      bodyLimitBytes: c.int(http.bodyLimitBytes ?? 10 * 1024 * 1024, 'http.bodyLimitBytes', 1) ?? 0,
      auth: {
        keys: keys.filter((k): k is ApiKeyConfig => k !== undefined),
        maxFailures: c.int(auth.maxFailures ?? 10, 'http.auth.maxFailures', 1, 10_000) ?? 10,
        windowSeconds: c.int(auth.windowSeconds ?? 60, 'http.auth.windowSeconds', 1, 86_400) ?? 60,
        lockoutSeconds: c.int(auth.lockoutSeconds ?? 300, 'http.auth.lockoutSeconds', 1, 86_400) ?? 300,
        ...(jwt ? { jwt } : {}),
      },
      ...(httpTls ? { tls: httpTls } : {}),
    },
    processing: {
      maxAttempts: c.int(processing.maxAttempts ?? 5, 'processing.maxAttempts', 1) ?? 5,
      offloadBytes: c.int(processing.offloadBytes ?? 64 * 1024, 'processing.offloadBytes', 0) ?? 64 * 1024,
      workers: c.int(processing.workers ?? defaultWorkers(), 'processing.workers', 1) ?? 1,
      maxBacklog: c.int(processing.maxBacklog ?? 50_000, 'processing.maxBacklog', 1) ?? 50_000,
      queueWindow: c.int(processing.queueWindow ?? DEFAULT_QUEUE_WINDOW, 'processing.queueWindow', 1) ?? DEFAULT_QUEUE_WINDOW,
      takeoverAfterMs: c.int(processing.takeoverAfterMs ?? 60_000, 'processing.takeoverAfterMs', 0) ?? 60_000,
    },
    channels: channels.filter((ch): ch is ChannelConfig => ch !== undefined),
    console: consoleCfg.value ?? {},
  };
  if (billing) cfg.billing = billing;
  if (hook === 'pause-after-commit') cfg.testHook = hook;
  return c.issues.length ? { value: undefined, issues: c.issues } : { value: cfg, issues: [] };
}

/** The environment variable that overrides a channel's MLLP port: FRONTDESK_MLLP_PORT_LAB_RESULTS for "lab-results". */
export function mllpPortEnv(channel: string): string {
  return `FRONTDESK_MLLP_PORT_${channel.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A `tls` block (MLLP channel or HTTP listener): key and certificate files, optional CA and client certificates. */
function checkTls(c: Checker, raw: unknown, at: string, baseDir: string): TlsConfig | undefined {
  const t = c.object(raw, at);
  if (!t) return undefined;
  c.keys(t, at, ['keyFile', 'certFile', 'caFile', 'requireClientCert']);
  const file = (v: unknown, k: string): string | undefined => {
    const s = c.string(v, `${at}.${k}`);
    return s === undefined ? undefined : resolve(baseDir, s);
  };
  const tls: TlsConfig = {
    keyFile: file(t.keyFile, 'keyFile') ?? '',
    certFile: file(t.certFile, 'certFile') ?? '',
    requireClientCert: c.bool(t.requireClientCert ?? false, `${at}.requireClientCert`) ?? false,
  };
  if (t.caFile !== undefined) tls.caFile = file(t.caFile, 'caFile') ?? '';
  return tls;
}

/** `http.auth.jwt`: whom to trust for bearer JWTs, and where their public keys are. */
function checkJwt(c: Checker, raw: unknown, at: string, baseDir: string): JwtAuthConfig | undefined {
  const o = c.object(raw, at);
  if (!o) return undefined;
  c.keys(o, at, ['issuer', 'audience', 'jwksFile', 'jwksUrl', 'algorithms', 'clockToleranceSeconds', 'maxLifetimeSeconds', 'tokenEndpoint']);
  const list = (v: unknown, k: string): string[] => {
    if (typeof v === 'string') return c.string(v, `${at}.${k}`) === undefined ? [] : [v];
    if (Array.isArray(v) && v.length > 0) return v.map((x, i) => c.string(x, `${at}.${k}[${i}]`) ?? '');
    c.error(`${at}.${k}`, v === undefined ? 'is required (a string or a non-empty array of strings).' : 'must be a string or a non-empty array of strings.');
    return [];
  };
  const issuer = list(o.issuer, 'issuer');
  const audience = list(o.audience, 'audience');
  const out: JwtAuthConfig = {
    issuer,
    audience,
    algorithms: o.algorithms === undefined ? [...DEFAULT_JWT_ALGORITHMS] : list(o.algorithms, 'algorithms'),
    clockToleranceSeconds: c.int(o.clockToleranceSeconds ?? 60, `${at}.clockToleranceSeconds`, 0, 600) ?? 60,
  };
  out.algorithms.forEach((a, i) => {
    if (a && !JWT_ALGORITHMS.includes(a)) c.error(`${at}.algorithms[${i}]`, `"${a}" is not accepted; one of ${JWT_ALGORITHMS.join(', ')} (asymmetric only).`);
  });
  if (o.maxLifetimeSeconds !== undefined) out.maxLifetimeSeconds = c.int(o.maxLifetimeSeconds, `${at}.maxLifetimeSeconds`, 1, 86_400) ?? 3600;
  if ((o.jwksFile === undefined) === (o.jwksUrl === undefined)) c.error(at, 'give exactly one of "jwksFile" or "jwksUrl" (the authorization server\'s public keys).');
  if (o.jwksFile !== undefined) {
    const f = c.string(o.jwksFile, `${at}.jwksFile`);
    if (f !== undefined) {
      out.jwksFile = resolve(baseDir, f);
      const problem = checkJwksFile(out.jwksFile);
      if (problem) c.error(`${at}.jwksFile`, problem);
    }
  }
  const url = (k: 'jwksUrl' | 'tokenEndpoint'): string | undefined => {
    const v = c.string(o[k], `${at}.${k}`);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      c.error(`${at}.${k}`, `"${v}" is not a URL.`);
      return undefined;
    }
    // Keys fetched in the clear could be swapped by anyone on the path: https, or http to this machine only.
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) c.error(`${at}.${k}`, `must be an https:// URL (http:// only to localhost); got "${v}".`);
    return v;
  };
  if (o.jwksUrl !== undefined) {
    const v = url('jwksUrl');
    if (v) out.jwksUrl = v;
  }
  if (o.tokenEndpoint !== undefined) {
    const v = url('tokenEndpoint');
    if (v) out.tokenEndpoint = v;
  }
  return out;
}

function checkKey(c: Checker, k: unknown, at: string, env: Env): ApiKeyConfig | undefined {
  const o = c.object(k, at);
  if (!o) return undefined;
  c.keys(o, at, ['name', 'key', 'keyEnv', 'scopes']);
  const name = c.string(o.name, `${at}.name`);
  let key: string | undefined;
  if (o.keyEnv !== undefined) {
    const v = c.string(o.keyEnv, `${at}.keyEnv`);
    if (v !== undefined) {
      key = env[v];
      if (!key) c.error(`${at}.keyEnv`, `environment variable ${v} is not set.`);
    }
  } else {
    key = c.string(o.key, `${at}.key`);
  }
  if (key !== undefined && key.length < 8) c.error(`${at}.key`, 'an API key must be at least 8 characters.');
  const scopes = (c.array(o.scopes ?? ['*'], `${at}.scopes`) ?? []).map((s, i) => {
    const v = c.string(s, `${at}.scopes[${i}]`);
    if (v === undefined || SCOPES.includes(v as Scope)) return v ?? '';
    // SMART scopes: an API key acts as a system (no user, no patient in context), and a query
    // restriction (v2 `?category=`) would grant a subset Frontdesk does not enforce.
    const smart = parseSmartScope(v);
    if (!smart) c.error(`${at}.scopes[${i}]`, `unknown scope "${v}"; one of ${SCOPES.join(', ')}, or a SMART system scope (system/Patient.rs, system/*.read).`);
    else if ('error' in smart) c.error(`${at}.scopes[${i}]`, smart.error);
    else if (smart.scope.context !== 'system') c.error(`${at}.scopes[${i}]`, `"${v}": an API key acts as a system; use system/${smart.scope.type}.${v.split('.').pop()}.`);
    else if (smart.scope.restriction !== undefined) c.error(`${at}.scopes[${i}]`, `"${v}": scopes with a query restriction are not enforced; drop the "?${smart.scope.restriction}".`);
    return v;
  });
  if (name === undefined || key === undefined) return undefined;
  return { name, key, scopes };
}

function checkChannel(c: Checker, ch: unknown, at: string, baseDir: string): ChannelConfig | undefined {
  const o = c.object(ch, at);
  if (!o) return undefined;
  c.keys(o, at, ['name', 'source', 'flow', 'messageTypes', 'destinations', 'validation', 'encoding']);
  const name = c.string(o.name, `${at}.name`);
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) c.error(`${at}.name`, 'use letters, digits, dot, dash, underscore (at most 64).');
  const src = c.object(o.source, `${at}.source`);
  const source: ChannelConfig['source'] = {};
  if (src) {
    c.keys(src, `${at}.source`, ['mllp', 'http']);
    if ((src.mllp === undefined) === (src.http === undefined)) c.error(`${at}.source`, 'give exactly one of "mllp" or "http".');
    if (src.mllp !== undefined) {
      const m = c.object(src.mllp, `${at}.source.mllp`);
      if (m) {
        c.keys(m, `${at}.source.mllp`, ['port', 'host', 'tls']);
        const port = c.int(m.port, `${at}.source.mllp.port`, 0, 65535);
        const mllp: NonNullable<ChannelConfig['source']['mllp']> = { port: port ?? 0 };
        if (m.host !== undefined) {
          const h = c.string(m.host, `${at}.source.mllp.host`);
          if (h !== undefined) mllp.host = h;
        }
        if (m.tls !== undefined) {
          const tls = checkTls(c, m.tls, `${at}.source.mllp.tls`, baseDir);
          if (tls) mllp.tls = tls;
        }
        source.mllp = mllp;
      }
    }
    if (src.http !== undefined) {
      const h = c.object(src.http, `${at}.source.http`);
      if (h) {
        c.keys(h, `${at}.source.http`, ['path']);
        const p = c.string(h.path, `${at}.source.http.path`);
        if (p !== undefined && !/^\/[A-Za-z0-9/_-]*$/.test(p)) c.error(`${at}.source.http.path`, `"${p}" must start with / and use letters, digits, / _ -.`);
        source.http = { path: p ?? '/' };
      }
    }
  }
  const validation = c.string(o.validation ?? DEFAULT_VALIDATION_MODE, `${at}.validation`) ?? DEFAULT_VALIDATION_MODE;
  const known = (VALIDATION_MODES as readonly string[]).includes(validation);
  if (!known) c.error(`${at}.validation`, `must be one of ${VALIDATION_MODES.map((m) => `"${m}"`).join(', ')}; got "${validation}".`);
  const out: ChannelConfig = { name: name ?? '', source, destinations: [], validation: known ? (validation as ValidationMode) : DEFAULT_VALIDATION_MODE };
  if (o.encoding !== undefined) {
    const e = c.string(o.encoding, `${at}.encoding`);
    const cs = e === undefined ? undefined : charsetOf(e);
    if (e !== undefined && !cs) c.error(`${at}.encoding`, `must be one of ${CHARSETS.map((x) => `"${x}"`).join(', ')} (HL7 table 0211); got "${e}".`);
    if (cs) out.encoding = cs;
  }
  if (o.flow !== undefined) {
    const f = c.string(o.flow, `${at}.flow`);
    if (f !== undefined) out.flow = f;
  }
  if (o.messageTypes !== undefined) {
    out.messageTypes = (c.array(o.messageTypes, `${at}.messageTypes`) ?? []).map((t, i) => {
      const v = c.string(t, `${at}.messageTypes[${i}]`) ?? '';
      if (!/^[A-Z0-9]{3}\^([A-Z0-9]{3}|\*)$/.test(v)) c.error(`${at}.messageTypes[${i}]`, `"${v}" must look like ADT^A04 or ADT^*.`);
      return v;
    });
  }
  out.destinations = (c.array(o.destinations ?? [], `${at}.destinations`) ?? []).map((d, i) => {
    const dat = `${at}.destinations[${i}]`;
    if (typeof d === 'string') return { name: d, payload: 'bundle' as PayloadKind };
    const dobj = c.object(d, dat);
    if (!dobj) return { name: '', payload: 'bundle' as PayloadKind };
    c.keys(dobj, dat, ['name', 'payload']);
    const payload = c.string(dobj.payload ?? 'bundle', `${dat}.payload`) ?? 'bundle';
    if (!PAYLOAD_KINDS.includes(payload as PayloadKind)) c.error(`${dat}.payload`, `must be one of ${PAYLOAD_KINDS.join(', ')}; got "${payload}".`);
    return { name: c.string(dobj.name, `${dat}.name`) ?? '', payload: payload as PayloadKind };
  });
  return out;
}

function destinationType(destinations: unknown, name: string): string | undefined {
  if (!destinations || typeof destinations !== 'object' || Array.isArray(destinations)) return undefined;
  const d = (destinations as Obj)[name];
  return d && typeof d === 'object' && typeof (d as Obj).type === 'string' ? ((d as Obj).type as string) : undefined;
}

/** Names of the destinations declared by delivery's section: an object keyed by name, or an array of `{ name }`. */
export function destinationNames(destinations: unknown): Set<string> {
  if (Array.isArray(destinations)) {
    return new Set(destinations.map((d) => (d && typeof d === 'object' ? (d as Obj).name : undefined)).filter((n): n is string => typeof n === 'string'));
  }
  if (destinations && typeof destinations === 'object') return new Set(Object.keys(destinations));
  return new Set();
}

/** A PostgreSQL store URL: postgres:// or postgresql://, with a host; the connection itself is tried at start (the store's ping). */
function checkStoreUrl(c: Checker, url: string, key: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    c.error(key, 'must be a postgres:// URL (postgres://user:password@host:5432/database).');
    return;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') c.error(key, `must be a postgres:// URL; got the scheme "${u.protocol}".`);
  const schema = u.searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) c.error(key, `schema "${schema}" must be a lower-case SQL identifier.`);
  const pool = u.searchParams.get('pool');
  if (pool !== null && !/^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$/.test(pool)) c.error(key, `pool must be an integer from 1 to 200; got "${pool}".`);
}

type Obj = Record<string, unknown>;

/** Accumulates CONFIG_INVALID issues, each naming the key. */
class Checker {
  readonly issues: Issue[] = [];

  error(key: string, message: string): void {
    this.issues.push(issue('CONFIG_INVALID', `${key || '(root)'}: ${message}`, key || undefined));
  }

  object(v: unknown, key: string): Obj | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.error(key, v === undefined ? 'is required (an object).' : 'must be an object.');
      return undefined;
    }
    return v as Obj;
  }

  array(v: unknown, key: string): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.error(key, v === undefined ? 'is required (an array).' : 'must be an array.');
      return undefined;
    }
    return v;
  }

  string(v: unknown, key: string): string | undefined {
    if (typeof v !== 'string' || v === '') {
      this.error(key, v === undefined ? 'is required (a string).' : 'must be a non-empty string.');
      return undefined;
    }
    return v;
  }

  int(v: unknown, key: string, min = -Infinity, max = Infinity): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.error(key, v === undefined ? 'is required (an integer).' : `must be an integer${min > -Infinity ? ` from ${min}` : ''}${max < Infinity ? ` to ${max}` : ''}; got ${JSON.stringify(v)}.`);
      return undefined;
    }
    return v;
  }

  bool(v: unknown, key: string): boolean | undefined {
    if (typeof v !== 'boolean') {
      this.error(key, 'must be true or false.');
      return undefined;
    }
    return v;
  }

  keys(o: Obj, at: string, allowed: string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.error(at ? `${at}.${k}` : k, `unknown key; expected one of ${allowed.join(', ')}.`);
    }
  }
}
