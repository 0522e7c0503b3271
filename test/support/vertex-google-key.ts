/**
 * Test support, never imported by the Worker: throwaway RSA keys made at test time (no private
 * key is ever committed) and service-account JSON built around them.
 */
import { base64, base64url } from '../../src/platform/encoding'
import { pkcs8Pem } from '../../src/providers/vertex-google/service-account'

export interface TestKey {
  privateKeyPem: string
  publicKey: CryptoKey
  /** The public key as base64url SPKI DER, for a fake token endpoint to verify signatures with. */
  publicSpki: string
}

export async function generateTestKey(): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
  const pkcs8 = (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer
  const spki = (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer
  return {
    privateKeyPem: pkcs8Pem(base64(pkcs8)),
    publicKey: pair.publicKey,
    publicSpki: base64url(spki),
  }
}

/** A service-account key file as Google issues it, signing with `key` and exchanging at `tokenUri`. */
export function testServiceAccount(
  key: TestKey,
  tokenUri: string,
  email = 'runtimestate-test@rs-test-project.iam.gserviceaccount.com',
) {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'rs-test-project',
    private_key_id: 'test-key-id-0000',
    private_key: key.privateKeyPem,
    client_email: email,
    client_id: '000000000000000000000',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  })
}
