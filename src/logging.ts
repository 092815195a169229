/**
 * Structured JSON logs (pino). Rule: no message bodies or patient data above debug. Log lines
 * carry ids (message row id, MSH-10 control id, channel, message type, error codes), never raw
 * HL7, FHIR resources or office records. As a second line of defence, fields that could hold
 * such content are redacted whatever the level.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Keys that may hold PHI; censored in every log line. */
const REDACT = [
  'raw', 'body', 'payload', 'resource', 'bundle', 'record', 'patient', 'text',
  '*.raw', '*.body', '*.payload', '*.resource', '*.bundle', '*.record', '*.patient', '*.text',
  'req.headers.authorization', 'req.headers["x-api-key"]',
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const opts = { level, base: { service: 'frontdesk' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(opts, destination as unknown as pino.DestinationStream) : pino(opts);
}

/** A logger that writes nothing (tests, one-off CLI runs). */
export const silentLogger: Logger = pino({ level: 'silent' });
