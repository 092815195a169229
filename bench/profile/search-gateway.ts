/**
 * The gateway the search profiling scripts start (search-parts.ts, search-layers.ts): the
 * 100,000-Patient profiling store in `--db DIR` (default a fixed temp dir, reused between runs),
 * or PostgreSQL at `--url` (schema prof_search unless the URL names one), with one API key of
 * every scope. The positional arguments are what remains after these options.
 */
import os from 'node:os';
import path from 'node:path';
import { startHttpBenchGateway } from '../http-gateway.js';

export const PATIENTS = 100_000;

export async function startSearchProfileGateway(args: string[], keyName: string) {
  const opt = (f: string) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : undefined; };
  const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--db', '--url'].includes(args[i - 1]!)));
  const dir = opt('--db') ?? path.join(os.tmpdir(), `frontdesk-prof-search-${PATIENTS}`);
  const pgUrl = opt('--url');
  const url = pgUrl && !/[?&]schema=/.test(pgUrl) ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=prof_search` : pgUrl;
  const key = `${keyName}-key`;
  const gw = await startHttpBenchGateway({ path: path.join(dir, 'fd.db'), ...(url ? { url } : {}) }, { keys: [{ name: keyName, key, scopes: ['*'] }] });
  return { gw, key, dir, url, positional };
}
