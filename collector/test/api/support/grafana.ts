import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/**
 * A stand-in for Grafana's signing-key endpoint: a real HTTP server on an ephemeral port serving
 * `GET /api/signing-keys/keys` with the public half of a test ES256 key (like Grafana's
 * `pkg/services/signingkeys`), and a signer minting ID tokens with Grafana's claims
 * (iss = root URL, aud = org:<id>, sub = user:<uid>, username, role, namespace).
 */
export interface FakeGrafana {
  /** Root URL with trailing slash, like Grafana's `cfg.AppURL` (the tokens' issuer). */
  rootUrl: string;
  kid: string;
  /** JWKS requests served so far. */
  jwksHits: number;
  /**
   * Signs an ID token; `claims` override the defaults (an `undefined` value removes the claim),
   * `key`/`kid`/`alg` override the signer.
   */
  sign(
    login: string,
    claims?: Record<string, unknown>,
    opts?: { key?: KeyLike | Uint8Array; kid?: string; alg?: string }
  ): Promise<string>;
  /** A second ES256 key Grafana does not publish. */
  otherKey: KeyLike;
  close(): Promise<void>;
}

export async function startFakeGrafana(): Promise<FakeGrafana> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const kid = 'test-key-1';
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/signing-keys/keys') {
      state.hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rootUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    rootUrl,
    kid,
    get jwksHits() {
      return state.hits;
    },
    otherKey: other.privateKey,
    async sign(login, claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: rootUrl,
        aud: ['org:1'],
        sub: `user:uid-${login}`,
        iat: now,
        exp: now + 600,
        username: login,
        namespace: 'default',
        type: 'user',
        role: 'Viewer',
        email: `${login}@example.test`,
        ...claims,
      };
      for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? kid, typ: 'jwt' })
        .sign(opts.key ?? privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
