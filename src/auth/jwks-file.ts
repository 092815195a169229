/**
 * What the configuration check needs of JWT verification (./jwt.ts), without loading `jose`: the
 * default algorithms and the check of a JWKS file. The configuration is read before the gateway
 * listens, and jose is a large load that only a verification needs (after listening).
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_JWT_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'ES256', 'ES384'];

/** What is wrong with a JWKS file, in one line, or undefined when it is a usable key set. */
export function checkJwksFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot read JWKS file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `JWKS file ${file} is not valid JSON.`;
  }
  const ks = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(ks) || ks.length === 0) return `JWKS file ${file} has no "keys" array with at least one key.`;
  for (const [i, k] of ks.entries()) {
    if (!k || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string') return `JWKS file ${file}: keys[${i}] has no "kty".`;
    if ('d' in k) return `JWKS file ${file}: keys[${i}] holds a private key ("d"); give only public keys.`;
    if ((k as { kty: string }).kty === 'oct') return `JWKS file ${file}: keys[${i}] is a symmetric ("oct") key; only public keys are accepted.`;
  }
  return undefined;
}
