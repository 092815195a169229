/**
 * SMART discovery (App Launch 2.0.0, "Conformance"): GET /fhir/.well-known/smart-configuration,
 * public (a client reads it before it holds a token), served only when bearer JWTs are trusted
 * (`http.auth.jwt`). Frontdesk is a resource server: the token endpoint belongs to the
 * authorization server named in the configuration; it is advertised, not served here.
 */
import type { RequestHandler } from 'express';
import type { JwtAuthConfig } from '../config.js';

/** The discovery document for a JWT configuration. */
export function smartConfiguration(jwt: JwtAuthConfig): Record<string, unknown> {
  return {
    issuer: jwt.issuer[0],
    ...(jwt.tokenEndpoint ? { token_endpoint: jwt.tokenEndpoint } : {}),
    ...(jwt.jwksUrl ? { jwks_uri: jwt.jwksUrl } : {}),
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: jwt.algorithms,
    scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write'],
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
  };
}

/** Where the discovery document is served (SMART App Launch 2.0: `{fhir base}/.well-known/smart-configuration`). */
export const SMART_CONFIGURATION_PATH = '/fhir/.well-known/smart-configuration';

/** The discovery document's handler, or undefined without a JWT configuration (nothing to discover: 404 as any unknown path). */
export function smartConfigurationHandler(jwt: JwtAuthConfig | undefined): RequestHandler | undefined {
  if (!jwt) return undefined;
  const doc = JSON.stringify(smartConfiguration(jwt));
  return (_req, res) => {
    res.status(200).type('application/json').send(doc);
  };
}
