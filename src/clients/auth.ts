/** Credentials for an HTTP partner, from the destination's `auth` configuration. */
import type { AxiosInstance } from 'axios';
import type { HttpAuth } from '../delivery/config.js';
import type { Failed } from '../delivery/outcome.js';
import { SmartTokenProvider } from './smart-auth.js';

export type AuthHeaders = { headers: Record<string, string>; credentialHeaders: string[]; failure?: undefined } | { failure: Failed };

export class PartnerAuth {
  readonly smart: SmartTokenProvider | undefined;

  constructor(private readonly auth: HttpAuth, http: AxiosInstance, now?: () => Date) {
    this.smart = auth.type === 'smart-backend' ? new SmartTokenProvider(auth, http, now) : undefined;
  }

  async headers(): Promise<AuthHeaders> {
    const a = this.auth;
    switch (a.type) {
      case 'none':
        return { headers: {}, credentialHeaders: ['authorization'] };
      case 'bearer':
        return { headers: { authorization: `Bearer ${a.token}` }, credentialHeaders: ['authorization'] };
      case 'api-key':
        return { headers: { [a.header.toLowerCase()]: a.key }, credentialHeaders: ['authorization', a.header.toLowerCase()] };
      case 'smart-backend': {
        const t = await this.smart!.token();
        if (t.failure) return { failure: t.failure };
        return { headers: { authorization: `Bearer ${t.token}` }, credentialHeaders: ['authorization'] };
      }
    }
  }

  /** The partner said 401: a cached token may have been revoked early. True when fetching a new one may help. */
  unauthorized(): boolean {
    if (!this.smart) return false;
    this.smart.invalidate();
    return true;
  }
}
