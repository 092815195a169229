/**
 * An automated accessibility audit of the page in the browser: axe-core (a devDependency, never
 * served to users) is evaluated into the page from node_modules through playwright (an
 * evaluation, not a <script>, so the console's CSP stays on and is tested as it is), then
 * `axe.run` checks the whole document with axe's default rules (WCAG 2 A/AA, including
 * color-contrast, and its best practices). The violations come back as one line each.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolationLine {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Every violation axe finds on the page as it is now (an empty list when it is clean). */
export async function axeViolations(page: Page): Promise<AxeViolationLine[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
}
