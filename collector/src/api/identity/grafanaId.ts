import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** Settings for verifying Grafana ID tokens (`X-Grafana-Id`). */
export interface GrafanaIdOptions {
  /**
   * Grafana's root URL (`[server] root_url`, e.g. `https://grafana.example.com/`): the tokens' issuer.
   * Accepted with or without the trailing slash Grafana adds.
   */
  grafanaUrl: string;
  /** JWKS endpoint; default `<grafanaUrl>/api/signing-keys/keys` (served by Grafana without auth). */
  jwksUrl?: string;
  /** Grafana organisation whose users this API serves: audience `org:<orgId>`. Default 1. */
  orgId?: number;
  /** When set, the `namespace` claim must equal it (e.g. `default` for org 1 on-prem). */
  namespace?: string;
  /** Allowed clock skew when checking `exp`/`nbf`/`iat`, seconds. Default 5. */
  clockToleranceSeconds?: number;
}

/** The Grafana user an ID token names. */
export interface GrafanaIdClaims {
  /** Typed id, e.g. `user:ae3bf7c2-…`. */
  sub: string;
  /** Grafana login (`login` or `username` claim). */
  login: string;
  /** Organisation role from the `role` claim (Grafana ≥ 11.6/12.0): Viewer, Editor, Admin, None. */
  grafanaRole?: string;
  name?: string;
  email?: string;
}

/** A token that failed verification; `message` is the reason answered with 401. */
export class IdTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdTokenError';
  }
}

/** Grafana's signing keys could not be fetched (Grafana down or misconfigured): a 503, not the user's fault. */
export class JwksUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksUnavailableError';
  }
}

/** Verifies one compact JWS and returns the user it names. */
export type GrafanaIdVerifier = (token: string) => Promise<GrafanaIdClaims>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function reason(e: unknown): Error {
  if (e instanceof errors.JWTExpired) return new IdTokenError('ID token expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return new IdTokenError('ID token issuer is not the configured Grafana');
    if (e.claim === 'aud') return new IdTokenError('ID token audience is not the configured Grafana organisation');
    return new IdTokenError(`ID token claim "${e.claim}" invalid: ${e.reason}`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return new IdTokenError('ID token algorithm not allowed (ES256 only)');
  if (e instanceof errors.JWSSignatureVerificationFailed) return new IdTokenError('ID token signature invalid');
  if (e instanceof errors.JWKSNoMatchingKey)
    return new IdTokenError('ID token signed by a key Grafana does not publish');
  if (e instanceof errors.JWKSTimeout) return new JwksUnavailableError('timed out fetching Grafana signing keys');
  if (e instanceof errors.JWKSInvalid)
    return new JwksUnavailableError('Grafana signing keys endpoint answered no JWKS');
  // jose's fetch of the JWKS: a non-200 answer is a generic JOSEError with this message.
  if (e instanceof errors.JOSEError && e.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(e.message))
    return new JwksUnavailableError(`cannot fetch Grafana signing keys: ${e.message}`);
  if (e instanceof errors.JOSEError) return new IdTokenError(`ID token invalid (${e.code})`);
  // createRemoteJWKSet rethrows fetch failures (connection refused, HTTP status) as plain errors.
  return new JwksUnavailableError(`cannot fetch Grafana signing keys: ${(e as Error)?.message ?? String(e)}`);
}

/**
 * Builds a verifier for Grafana ID tokens (JWS, ES256, header `kid`), following Grafana's own
 * verifier (grafana/authlib `verifier_id_token.go`): signature against the keys Grafana publishes at
 * `/api/signing-keys/keys` (fetched with jose's `createRemoteJWKSet`, cached, refetched on an unknown
 * `kid` at most every 30 s), `iss` = Grafana root URL, `aud` = `org:<orgId>`, `exp` required and in the
 * future, optional `namespace` binding. Claims read: `sub`, `login`/`username`, `role`, `name`, `email`.
 *
 * @param getKey override the key source (tests, or a `createLocalJWKSet`); default the remote JWKS.
 * @returns a function that resolves the user, or rejects with {@link IdTokenError} (→ 401) or
 *   {@link JwksUnavailableError} (→ 503).
 */
export function grafanaIdVerifier(opts: GrafanaIdOptions, getKey?: JWTVerifyGetKey): GrafanaIdVerifier {
  const root = opts.grafanaUrl.replace(/\/+$/, '');
  const jwks =
    getKey ??
    createRemoteJWKSet(new URL(opts.jwksUrl ?? `${root}/api/signing-keys/keys`), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
  const audience = `org:${opts.orgId ?? 1}`;
  return async (token) => {
    if (token.length > 8192) throw new IdTokenError('ID token too long');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['ES256'],
        issuer: [root, `${root}/`],
        audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: opts.clockToleranceSeconds ?? 5,
      }));
    } catch (e) {
      throw reason(e);
    }
    if (opts.namespace !== undefined && payload.namespace !== opts.namespace)
      throw new IdTokenError(`ID token namespace is not "${opts.namespace}"`);
    const sub = str(payload.sub)!;
    const login = str(payload.login) ?? str(payload.username);
    if (!login) throw new IdTokenError('ID token carries no login/username claim');
    return {
      sub,
      login,
      grafanaRole: str(payload.role),
      name: str(payload.name),
      email: str(payload.email),
    };
  };
}
