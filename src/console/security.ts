/**
 * Headers on every console answer: a Content-Security-Policy that allows scripts, styles and
 * images from the gateway only (no inline script, no inline style attribute, no CDN), no framing,
 * forms posting to the gateway only; no caching of pages that show messages; no referrer to other sites.
 * And a same-origin check for posts: a browser sends Origin on a POST, and one from another site
 * is refused even before its CSRF token is looked at.
 */
import type { NextFunction, Request, Response } from 'express';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // same-origin, not no-referrer: under no-referrer a browser posts forms with `Origin: null`, which the same-origin check refuses.
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  next();
}

/** True when the request's Origin (when sent) is this gateway's own. */
export function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin) return true; // older browsers and non-browser clients; the CSRF token still decides
  const host = req.get('host');
  try {
    return !!host && new URL(origin).host === host;
  } catch {
    return false;
  }
}
