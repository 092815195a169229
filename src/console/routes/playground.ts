/** The validation playground (../playground.ts): nothing is stored, so nothing here is audited. */
import type { Router } from 'express';
import type { Target } from '../../flows/types.js';
import { profileUrls } from '../../validation/index.js';
import { checkInput, TARGETS } from '../playground.js';
import { playgroundPage } from '../pages/playground.js';
import { sessionOf, type ConsoleContext } from '../router.js';

export function playgroundRoutes(router: Router, ctx: ConsoleContext): void {
  // The form posts as URL-encoded text: an upload must leave room for the encoding within the body limit.
  const maxBytes = Math.floor(ctx.config.http.bodyLimitBytes / 3);
  const profiles = () => profileUrls().filter((u) => !u.startsWith('http://hl7.org/fhir/StructureDefinition/')).sort();

  router.get('/playground', (_req, res) => {
    res.type('html').send(playgroundPage(sessionOf(res), { text: '', profile: '', to: '', profiles: profiles(), maxBytes }));
  });

  router.post('/playground', (req, res) => {
    const b = req.body as Record<string, unknown>;
    const text = typeof b.text === 'string' ? b.text : '';
    const profile = typeof b.profile === 'string' ? b.profile : '';
    const to = typeof b.to === 'string' ? b.to : '';
    const view = { text, profile, to, profiles: profiles(), maxBytes };
    if (to && !TARGETS.includes(to as Target)) return void res.status(400).type('html').send(playgroundPage(sessionOf(res), { ...view, error: `Convert to: one of ${TARGETS.join(', ')}.` }));
    if (text.trim() === '') return void res.status(400).type('html').send(playgroundPage(sessionOf(res), { ...view, error: 'Paste a message or record, or upload a file.' }));
    if (Buffer.byteLength(text) > maxBytes) return void res.status(413).type('html').send(playgroundPage(sessionOf(res), { ...view, text: '', error: `The input is ${Buffer.byteLength(text)} bytes; the playground takes at most ${maxBytes}.` }));
    const result = checkInput(text, { profile: profile || undefined, to: (to || undefined) as Target | undefined, timeZone: ctx.config.practice.timezone });
    res.type('html').send(playgroundPage(sessionOf(res), { ...view, result }));
  });
}
