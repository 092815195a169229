/** Starts bench/http-client.ts in a child process and sends it lists of URLs to fetch in turn. */
import { fork } from 'node:child_process';
import path from 'node:path';

export interface HttpClientRun {
  /** Wall-clock ms of each answer as the client saw it (request sent -> body read). */
  ms: number[];
  /** The Bundle `total` of each answer (null when absent). */
  totals: Array<number | null>;
  /** Requests sent again on a new connection (see bench/http-client.ts). */
  retries: number;
  /** CPU the client process spent on the list, ms. */
  cpuMs: number;
}

export interface HttpClient {
  get(urls: string[], headers: Record<string, string>): Promise<HttpClientRun>;
  close(): void;
}

export async function startHttpClient(): Promise<HttpClient> {
  const child = fork(path.resolve('bench/http-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((ok, fail) => { child.once('spawn', ok); child.once('error', fail); });
  return {
    get: (urls, headers) => new Promise((ok, fail) => {
      const onExit = (code: number | null) => fail(new Error(`the HTTP client process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        const r = m as HttpClientRun | { error: string };
        if ('error' in r) fail(new Error(r.error)); else ok(r);
      });
      child.send({ urls, headers });
    }),
    close: () => { child.disconnect(); },
  };
}
