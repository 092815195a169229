/**
 * The `console` section of the configuration: the optional OAuth 2 / SMART login of the web
 * console (an authorization-code flow with PKCE against the practice's authorization server;
 * ./oauth.ts runs it). Checked once at start like every other section; issues are CONFIG_INVALID
 * naming the key.
 *
 *     "console": { "oauth": {
 *       "name": "Office sign-in",                      // the login page says "Sign in with Office sign-in"
 *       "authorizeUrl": "https://idp.example/authorize",
 *       "tokenUrl": "https://idp.example/token",
 *       "clientId": "frontdesk-console",
 *       "clientSecretEnv": "FRONTDESK_CONSOLE_OAUTH_SECRET",   // optional: a confidential client
 *       "redirectUrl": "https://gw.example/console/oauth/callback", // optional: else from the request
 *       "scope": "openid fhirUser frontdesk.operator",  // default "openid"
 *       "token": "id_token",                             // or "access_token" (a JWT)
 *       "issuer": "https://idp.example",
 *       "audience": "frontdesk-console",                 // default: clientId
 *       "jwks": { "url": "https://idp.example/jwks" },   // or { "file": "keys/idp.jwks.json" }
 *       "operatorScope": "frontdesk.operator",           // and/or
 *       "operatorClaim": { "name": "roles", "value": "operator" },
 *       "operatorNameClaim": "sub"                        // default "sub"
 *     } }
 */
import { isAbsolute, resolve } from 'node:path';
import { checkJwksFile } from '../auth/jwks-file.js';
import type { JwksSource } from '../auth/jwt.js';
import { issue, type Issue, type Result } from '../domain/issues.js';

export interface ConsoleOAuthConfig {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUrl?: string | undefined;
  scope: string;
  token: 'id_token' | 'access_token';
  issuer: string;
  audience: string;
  jwks: JwksSource;
  operatorScope?: string | undefined;
  operatorClaim?: { name: string; value: string } | undefined;
  operatorNameClaim: string;
}

export interface ConsoleConfig {
  oauth?: ConsoleOAuthConfig | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function checkConsoleConfig(raw: unknown, baseDir: string, env: Record<string, string | undefined>): Result<ConsoleConfig> {
  const issues: Issue[] = [];
  const bad = (key: string, text: string) => issues.push(issue('CONFIG_INVALID', `${key}: ${text}`, key));
  if (raw === undefined) return { value: {}, issues };
  if (!isObj(raw)) { bad('console', 'must be an object.'); return { value: undefined, issues }; }
  for (const k of Object.keys(raw)) if (k !== 'oauth') bad(`console.${k}`, 'unknown key; expected one of oauth.');
  if (raw.oauth === undefined) return issues.length ? { value: undefined, issues } : { value: {}, issues };
  const o = raw.oauth;
  const at = 'console.oauth';
  if (!isObj(o)) { bad(at, 'must be an object.'); return { value: undefined, issues }; }
  const allowed = ['name', 'authorizeUrl', 'tokenUrl', 'clientId', 'clientSecretEnv', 'redirectUrl', 'scope', 'token', 'issuer', 'audience', 'jwks', 'operatorScope', 'operatorClaim', 'operatorNameClaim'];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${at}.${k}`, `unknown key; expected one of ${allowed.join(', ')}.`);
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined) { if (required) bad(`${at}.${k}`, 'is required (a string).'); return undefined; }
    if (typeof v !== 'string' || v.trim() === '') { bad(`${at}.${k}`, 'must be a non-empty string.'); return undefined; }
    return v;
  };
  const url = (k: string, required: boolean): string | undefined => {
    const v = str(k, required);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      bad(`${at}.${k}`, `"${v}" is not an http(s) URL.`);
      return undefined;
    }
    return v;
  };
  const name = str('name', true);
  const authorizeUrl = url('authorizeUrl', true);
  const tokenUrl = url('tokenUrl', true);
  const clientId = str('clientId', true);
  const redirectUrl = url('redirectUrl', false);
  const issuer = str('issuer', true);
  const scope = str('scope', false) ?? 'openid';
  const token = str('token', false) ?? 'id_token';
  if (token !== 'id_token' && token !== 'access_token') bad(`${at}.token`, `must be "id_token" or "access_token"; got "${token}".`);
  let clientSecret: string | undefined;
  const secretEnv = str('clientSecretEnv', false);
  if (secretEnv !== undefined) {
    clientSecret = env[secretEnv];
    if (!clientSecret) bad(`${at}.clientSecretEnv`, `environment variable ${secretEnv} is not set.`);
  }
  let jwks: JwksSource | undefined;
  if (!isObj(o.jwks)) bad(`${at}.jwks`, 'is required: { "url": ... } or { "file": ... }.');
  else {
    const j = o.jwks;
    if (typeof j.url === 'string' && j.file === undefined) {
      try { new URL(j.url); jwks = { url: j.url }; } catch { bad(`${at}.jwks.url`, `"${j.url}" is not a URL.`); }
    } else if (typeof j.file === 'string' && j.url === undefined) {
      const file = isAbsolute(j.file) ? j.file : resolve(baseDir, j.file);
      const problem = checkJwksFile(file);
      if (problem) bad(`${at}.jwks.file`, problem); else jwks = { file };
    } else bad(`${at}.jwks`, 'must hold exactly one of "url" and "file" (a string).');
  }
  const operatorScope = str('operatorScope', false);
  let operatorClaim: { name: string; value: string } | undefined;
  if (o.operatorClaim !== undefined) {
    const c = o.operatorClaim;
    if (isObj(c) && typeof c.name === 'string' && c.name && typeof c.value === 'string' && c.value) operatorClaim = { name: c.name, value: c.value };
    else bad(`${at}.operatorClaim`, 'must be { "name": <claim>, "value": <value> } (strings).');
  }
  // Without one of these every account of the authorization server would be an operator.
  if (operatorScope === undefined && o.operatorClaim === undefined) bad(at, 'needs "operatorScope" or "operatorClaim": what in the token makes its holder an operator.');
  const operatorNameClaim = str('operatorNameClaim', false) ?? 'sub';
  if (issues.length) return { value: undefined, issues };
  return {
    value: {
      oauth: {
        name: name!, authorizeUrl: authorizeUrl!, tokenUrl: tokenUrl!, clientId: clientId!, clientSecret, redirectUrl, scope,
        token: token as ConsoleOAuthConfig['token'], issuer: issuer!, audience: str('audience', false) ?? clientId!, jwks: jwks!,
        operatorScope, operatorClaim, operatorNameClaim,
      },
    },
    issues,
  };
}
