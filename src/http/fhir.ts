/**
 * FHIR endpoints under /fhir, built from one route table (FHIR_ROUTES) that GET /fhir/metadata
 * also reads, so the CapabilityStatement declares exactly what is mounted.
 *   GET  /fhir/metadata               CapabilityStatement
 *   POST /fhir                        transaction Bundle -> flows (stored, validated, converted, queued)
 *   POST /fhir/{type}/$validate       OperationOutcome (200), `profile` as query or Parameters
 *   GET  /fhir/{type}/{id}            a stored resource
 */
import { Router, type Request, type Response } from 'express';
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

type Handler = (req: Request, res: Response) => Promise<void> | void;

export const FHIR_ROUTES: ReadonlyArray<FhirRoute & { name: string }> = [
  { name: 'metadata', method: 'get', path: '/metadata', declares: { level: 'none' } },
  { name: 'transaction', method: 'post', path: '/', declares: { level: 'system', interaction: 'transaction' } },
  { name: 'validate', method: 'post', path: '/:type/:operation', declares: { level: 'type', operation: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' } },
  { name: 'read', method: 'get', path: '/:type/:id', declares: { level: 'type', interaction: 'read' } },
];

const TYPE = /^[A-Z][A-Za-z]+$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function fhirRouter(pipeline: Pipeline, opts: { version: string }): Router {
  const router = Router();
  const channel = () => pipeline.config.channels.find((c) => c.source.http?.path === '/fhir') ?? pipeline.channel('fhir-api');

  const handlers: Record<string, Handler> = {
    metadata: (req, res) => {
      audit(req, res, { action: 'capabilities' });
      sendFhir(res, 200, capabilityStatement(FHIR_ROUTES, { name: pipeline.config.practice.name, version: opts.version, baseUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir` }));
    },

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

    read: async (req, res) => {
      const type = String(req.params.type);
      const id = String(req.params.id);
      audit(req, res, { action: 'read', entity: `${type}/${id}`.slice(0, 200) });
      if (!TYPE.test(type) || !ID.test(id)) return sendError(res, 'NOT_FOUND', `No resource ${type}/${id}.`);
      const found = await pipeline.store.resources.get(type, id);
      if (!found) return sendError(res, 'NOT_FOUND', `No resource ${type}/${id}.`);
      res.set('ETag', `W/"${found.versionId}"`);
      res.set('Last-Modified', new Date(found.lastUpdated).toUTCString());
      sendFhir(res, 200, { ...found.resource, meta: { ...(found.resource.meta ?? {}), versionId: String(found.versionId), lastUpdated: found.lastUpdated } });
    },
  };

  for (const r of FHIR_ROUTES) router[r.method](r.path, handlers[r.name]!);
  return router;
}

function notFound(res: Response, req: Request): void {
  sendOutcome(res, [issue('NOT_FOUND', `No route ${req.method} ${req.originalUrl.split('?')[0]}.`)]);
}
