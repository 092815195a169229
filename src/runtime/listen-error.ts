/**
 * A listener that cannot bind (port in use, a privileged port, an address this host does not have)
 * stops the start with one sentence naming the channel, the address and the configuration key to
 * change, and the environment variable that overrides it, instead of a bare `EADDRINUSE`.
 */
import { mllpPortEnv, type ChannelConfig } from '../config.js';

const WHY: Record<string, string> = {
  EADDRINUSE: 'the port is already in use (by another process, or another gateway)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this host has no such address',
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code && WHY[code] ? `${WHY[code]}, ${code}` : (e as Error).message;
}

export function mllpListenError(e: unknown, channel: ChannelConfig, index: number, host: string): Error {
  const port = channel.source.mllp?.port;
  const hostKey = channel.source.mllp?.host !== undefined ? `channels[${index}].source.mllp.host` : 'mllp.host (or FRONTDESK_MLLP_HOST)';
  return new Error(`MLLP channel "${channel.name}" cannot listen on ${host}:${port}: ${reason(e)}; change channels[${index}].source.mllp.port ` +
    `(or set ${mllpPortEnv(channel.name)}), or ${hostKey}`);
}

export function httpListenError(e: unknown, host: string, port: number): Error {
  return new Error(`HTTP cannot listen on ${host}:${port}: ${reason(e)}; change http.port (or set FRONTDESK_HTTP_PORT), or http.host (or FRONTDESK_HTTP_HOST)`);
}
