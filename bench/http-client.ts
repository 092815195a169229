/**
 * An HTTP client in a process of its own for the FHIR bench items: an EHR is another process, so
 * its allocation, garbage collection and event-loop work do not land in the gateway's figures
 * (they did while the client shared the gateway's process: its GC pauses and callbacks were part
 * of every measured answer). Started with `fork` (bench/http-client-run.ts `startHttpClient`);
 * each IPC message `{ urls, headers }` is answered with `{ ms, totals, retries }` once all URLs
 * were fetched one after the other (fetch, as before), or `{ error }`.
 *   node --import tsx bench/http-client.ts   (IPC only)
 */
import { performance } from 'node:perf_hooks';

interface Job { urls: string[]; headers: Record<string, string> }

async function run(job: Job): Promise<{ ms: number[]; totals: Array<number | null>; retries: number; cpuMs: number }> {
  const ms: number[] = [];
  const totals: Array<number | null> = [];
  let retries = 0;
  const cpu0 = process.cpuUsage();
  for (const u of job.urls) {
    const s = performance.now();
    let r: Response;
    try {
      r = await fetch(u, { headers: job.headers });
    } catch {
      // A kept-alive connection the server closed while idle (its 5 s keep-alive timeout) fails
      // the first request on it: once more, on a new connection.
      retries++;
      r = await fetch(u, { headers: job.headers });
    }
    const body = (await r.json()) as { total?: number };
    ms.push(performance.now() - s);
    if (r.status !== 200) throw new Error(`GET ${new URL(u).pathname} answered ${r.status}`);
    totals.push(body.total ?? null);
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms, totals, retries, cpuMs: (cpu.user + cpu.system) / 1000 };
}

process.on('message', (job: Job) => {
  run(job).then((out) => process.send!(out), (e: unknown) => process.send!({ error: (e as Error).message }));
});
process.on('disconnect', () => process.exit(0));
