/**
 * FHIR endpoints under /fhir, built from one route table (FHIR_ROUTES) that GET /fhir/metadata
 * also reads, so the CapabilityStatement declares exactly what is mounted.
 *   GET  /fhir/metadata               CapabilityStatement
 *   POST /fhir                        batch Bundle -> each entry its own interaction (./fhir-batch.ts);
 *                                     transaction Bundle -> flows (stored, validated, converted, queued)
 *   POST /fhir/{type}/$validate       OperationOutcome (200), `profile` as query or Parameters
 *   GET  /fhir/{type}/{id}            a stored resource
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Parameters, Resource } from 'fhir/r4.js';
import { issue } from '../domain/issues.js';
import { validateResource } from '../validation/index.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { capabilityStatement, type FhirRoute } from './capability.js';
import { bodyText, FHIR_TYPES, parseJsonBody } from './body.js';
import { sendError, sendFhir, sendOutcome } from './outcome.js';
import { sendAnswer } from './answer.js';
import { errorsOnly, toOperationOutcome } from '../domain/issues.js';
import { audit } from './audit.js';
import { restHandlers, TYPE } from './fhir-rest.js';
import { negotiate } from './negotiate.js';
import { criteriaResolver, referrersOf, searchHandler } from './fhir-search.js';
import { batchHandler } from './fhir-batch.js';
import { fhirScope } from './fhir-scopes.js';

type Handler = (req: Request, res: Response, next: NextFunction) => Promise<void> | void;

export const FHIR_ROUTES: ReadonlyArray<FhirRoute & { name: string }> = [
  { name: 'metadata', method: 'get', path: '/metadata', declares: { level: 'none' } },
  { name: 'batch', method: 'post', path: '/', declares: { level: 'system', interaction: 'batch' } },
  { name: 'transaction', method: 'post', path: '/', declares: { level: 'system', interaction: 'transaction' } },
  { name: 'historyType', method: 'get', path: '/:type/_history', declares: { level: 'type', interaction: 'history-type' } },
  { name: 'history', method: 'get', path: '/:type/:id/_history', declares: { level: 'type', interaction: 'history-instance' } },
  { name: 'vread', method: 'get', path: '/:type/:id/_history/:vid', declares: { level: 'type', interaction: 'vread' } },
  { name: 'validate', method: 'post', path: '/:type/:operation', declares: { level: 'type', operation: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' } },
  { name: 'search', method: 'get', path: '/:type', declares: { level: 'type', interaction: 'search-type' } },
  { name: 'create', method: 'post', path: '/:type', declares: { level: 'type', interaction: 'create', conditional: true } },
  { name: 'update', method: 'put', path: '/:type/:id', declares: { level: 'type', interaction: 'update' } },
  { name: 'conditionalUpdate', method: 'put', path: '/:type', declares: { level: 'type', interaction: 'update', conditional: true } },
  { name: 'delete', method: 'delete', path: '/:type/:id', declares: { level: 'type', interaction: 'delete' } },
  { name: 'conditionalDelete', method: 'delete', path: '/:type', declares: { level: 'type', interaction: 'delete', conditional: true } },
  { name: 'read', method: 'get', path: '/:type/:id', declares: { level: 'type', interaction: 'read' } },
];

/** Paths served, for a 405 naming the methods a path takes when another method asks. */
const ROUTE_PATHS = ['/', '/metadata', '/:type', '/:type/_history', '/:type/:id', '/:type/:id/_history', '/:type/:id/_history/:vid'];

export function fhirRouter(pipeline: Pipeline, opts: { version: string }): Router {
  const router = Router();
  const channel = () => pipeline.config.channels.find((c) => c.source.http?.path === '/fhir') ?? pipeline.channel('fhir-api');

  const rest = restHandlers(pipeline.store, criteriaResolver(pipeline.store), referrersOf(pipeline.store));
  const handlers: Record<string, Handler> = {
    metadata: (req, res) => {
      audit(req, res, { action: 'capabilities' });
      const jwt = pipeline.config.http.auth.jwt;
      sendFhir(res, 200, capabilityStatement(FHIR_ROUTES, {
        name: pipeline.config.practice.name, version: opts.version, baseUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir`,
        security: { smart: !!jwt, tokenEndpoint: jwt?.tokenEndpoint },
      }));
    },

    batch: batchHandler(),

    transaction: async (req, res) => {
      audit(req, res, { action: 'transaction' });
      const text = bodyText(req, res, FHIR_TYPES);
      if (text === undefined) return;
      const rec = await pipeline.receive({ channel: channel(), source: 'http', peer: req.ip, contentType: 'fhir', raw: text, idempotencyKey: req.get('idempotency-key') ?? undefined });
      if (!rec.ok) return sendOutcome(res, rec.issues);
      try {
        sendAnswer(res, await rec.answer);
      } catch {
        sendError(res, 'STORE_FAILED', 'The Bundle was stored but its outputs could not be committed; it will be processed again. Do not resend.');
      }
    },

    validate: (req, res) => {
      const type = String(req.params.type);
      audit(req, res, { action: 'operation', entity: type, detail: String(req.params.operation).slice(0, 64) });
      if (!String(req.params.operation).startsWith('$')) {
        res.set('Allow', 'GET, PUT, DELETE');
        return sendError(res, 'METHOD_NOT_ALLOWED', `POST is not served on ${req.originalUrl.split('?')[0]}; create with POST /${type}, update with PUT.`);
      }
      if (req.params.operation !== '$validate') return notFound(res, req);
      if (!TYPE.test(type)) return sendError(res, 'FHIR_RESOURCE_TYPE', `"${type}" is not a resource type.`);
      const text = bodyText(req, res, FHIR_TYPES);
      if (text === undefined) return;
      const body = parseJsonBody(res, text) as Resource | Parameters | undefined;
      if (body === undefined) return;
      let resource: unknown = body;
      let profile = typeof req.query.profile === 'string' ? req.query.profile : undefined;
      if ((body as Resource | null)?.resourceType === 'Parameters' && type !== 'Parameters') {
        // Hostile input: `parameter` not an array, or holding non-objects, is a bad request, not a crash.
        const raw = (body as Parameters).parameter;
        const params = (Array.isArray(raw) ? raw : []).filter((p): p is NonNullable<typeof p> => typeof p === 'object' && p !== null);
        resource = params.find((p) => p.name === 'resource')?.resource;
        profile ??= params.find((p) => p.name === 'profile')?.valueUri ?? params.find((p) => p.name === 'profile')?.valueCanonical;
        if (!resource) return sendError(res, 'FHIR_REQUIRED', 'Parameters for $validate need a "resource" parameter.', 'Parameters.parameter');
      }
      const rt = (resource as Resource | null)?.resourceType;
      if (rt !== type) return sendOutcome(res, [issue('FHIR_RESOURCE_TYPE', `The body is a ${String(rt ?? 'resource without resourceType')}, but the URL says ${type}.`, 'resourceType')], 400);
      // $validate judges material written elsewhere: profile parameter, else meta.profile, else the R4 base type.
      const issues = validateResource(resource, { ...(profile ? { profile } : {}), otherwise: 'base' });
      // The operation ran: 200 with the outcome, errors included. Only an unknown profile means it could not run.
      const unknownProfile = errorsOnly(issues).find((i) => i.details?.coding?.[0]?.code === 'FHIR_PROFILE_UNKNOWN');
      if (unknownProfile) return sendOutcome(res, [unknownProfile]);
      sendFhir(res, 200, toOperationOutcome(issues));
    },

    read: rest.read,
    search: searchHandler(pipeline.store),
    vread: rest.vread,
    history: rest.history,
    historyType: rest.history,
    create: rest.create,
    update: rest.update,
    conditionalUpdate: rest.conditionalUpdate,
    delete: rest.remove,
    conditionalDelete: rest.conditionalDelete,
  };

  router.use(negotiate);
  // Each route checks the caller's SMART scopes for its interaction and type first (src/http/fhir-scopes.ts).
  for (const r of FHIR_ROUTES) router[r.method](r.path, fhirScope(r.name), handlers[r.name]!);
  // A path we serve asked with another method: 405 naming the methods it takes.
  for (const path of ROUTE_PATHS) {
    const allowed = FHIR_ROUTES.filter((r) => r.path === path || (path === '/:type/:id' && r.path === '/:type/:operation')).map((r) => r.method.toUpperCase());
    router.all(path, (req, res) => {
      res.set('Allow', [...new Set(allowed)].join(', '));
      sendError(res, 'METHOD_NOT_ALLOWED', `${req.method} is not served on ${req.originalUrl.split('?')[0]}; use ${[...new Set(allowed)].join(', ')}.`);
    });
  }
  return router;
}

function notFound(res: Response, req: Request): void {
  sendOutcome(res, [issue('NOT_FOUND', `No route ${req.method} ${req.originalUrl.split('?')[0]}.`)]);
}
