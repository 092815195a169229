/** Test signing keys, generated per run (never committed). */
import { exportPKCS8, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

export interface TestKey {
  pem: string;
  publicKey: CryptoKey;
  privateJwk: Record<string, unknown>;
}

export async function testKey(alg: 'RS384' | 'ES384'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { pem: await exportPKCS8(privateKey), publicKey, privateJwk: (await exportJWK(privateKey)) as Record<string, unknown> };
}
