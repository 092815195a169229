/**
 * Structured JSON logs (pino). Rule: no message bodies or patient data above debug. Log lines
 * carry ids (message row id, MSH-10 control id, channel, message type, error codes), never raw
 * HL7, FHIR resources or office records. As a second line of defence, fields that could hold
 * such content are redacted whatever the level.
 *
 * pino itself (with its stream and redaction modules, ~20 ms of CPU to load) is loaded on a
 * logger's first use, not when this module is: the gateway's start to "HTTP listening" makes its
 * logger and hands children of it to the listeners, but writes no line before it listens
 * (src/gateway.ts then takes the real logger with `settled`). A logger made here behaves exactly as
 * the pino logger it stands for: every property and method is that logger's.
 */
import { createRequire } from 'node:module';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger, LevelWithSilent, LoggerOptions } from 'pino';

export type { Logger };

/** Keys that may hold PHI; censored in every log line. */
const REDACT = [
  'raw', 'body', 'payload', 'resource', 'bundle', 'record', 'patient', 'text',
  '*.raw', '*.body', '*.payload', '*.resource', '*.bundle', '*.record', '*.patient', '*.text',
  'req.headers.authorization', 'req.headers["x-api-key"]',
];

type PinoFn = (opts: LoggerOptions, destination?: DestinationStream) => Logger;
let pinoFn: PinoFn | undefined;
/** pino is CommonJS: required synchronously where a logger is first used. */
const pino = (): PinoFn => (pinoFn ??= (createRequire(import.meta.url)('pino') as { pino: PinoFn }).pino);

const REAL = Symbol('frontdesk.realLogger');

/** A Logger that makes its pino logger (`make`) on first use; `child` before then stays deferred too. */
function deferred(make: () => Logger): Logger {
  let real: Logger | undefined;
  const target = () => (real ??= make());
  return new Proxy(Object.create(null) as Logger, {
    get(_, prop) {
      if (prop === REAL) return target();
      if (prop === 'child' && !real) return (bindings: Bindings, options?: ChildLoggerOptions) => deferred(() => target().child(bindings, options));
      const r = target();
      const v: unknown = Reflect.get(r, prop, r);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
    set: (_, prop, value) => Reflect.set(target(), prop, value),
    has: (_, prop) => Reflect.has(target(), prop),
  });
}

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const opts = { level, base: { service: 'frontdesk' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino()(opts, destination as unknown as DestinationStream) : deferred(() => pino()(opts));
}

/** The pino logger itself behind a logger made here (made now if it was not yet); any other logger as it is. */
export function settled(log: Logger): Logger {
  return (log as unknown as { [REAL]?: Logger })[REAL] ?? log;
}

/** A logger that writes nothing (tests, one-off CLI runs). */
export const silentLogger: Logger = deferred(() => pino()({ level: 'silent' }));
