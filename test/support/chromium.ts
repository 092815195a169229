/**
 * Where the browser tests find Chromium: FRONTDESK_CHROMIUM, else Debian's /usr/bin/chromium
 * (`apt-get install chromium`; .ci/run installs it). playwright-core drives it; no browser is
 * ever downloaded.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_CANDIDATES = [process.env.FRONTDESK_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);

export function findChromium(): string | undefined {
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}
