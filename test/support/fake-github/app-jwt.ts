/**
 * Checks the JWT a GitHub App signs to authenticate as itself, with the
 * rules and messages GitHub applies: RS256, `iss` = app id, `iat` not in the
 * future, `exp` in the future and at most ten minutes ahead. The messages
 * matter: @octokit/auth-app recognises the clock-skew ones and retries.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export type JwtVerdict = { ok: true; appId: string } | { ok: false; message: string };

const UNDECODABLE = 'A JSON web token could not be decoded';
/** Allowed clock difference between the app and GitHub, in seconds. */
const CLOCK_SKEW_SECONDS = 60;
const MAX_LIFETIME_SECONDS = 600;

export interface AppJwtExpectation {
  appId: string | number;
  /** When given, the signature is verified with it (PEM or KeyObject). */
  publicKey?: string | KeyObject;
  /** Seconds since the epoch; defaults to the current time. */
  now?: number;
}

/** Validates `token` (without the `Bearer ` prefix) as the app's JWT. */
export function verifyAppJwt(token: string, expected: AppJwtExpectation): JwtVerdict {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part === '')) return { ok: false, message: UNDECODABLE };
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeJsonPart(encodedHeader);
  const payload = decodeJsonPart(encodedPayload);
  if (!header || !payload) return { ok: false, message: UNDECODABLE };
  if (header.alg !== 'RS256') return { ok: false, message: UNDECODABLE };

  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const { iat, exp, iss } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + CLOCK_SKEW_SECONDS) {
    return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued." };
  }
  if (typeof exp !== 'number' || exp <= now) {
    return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires." };
  }
  if (exp > now + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS || exp - iat > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
  }
  if ((typeof iss !== 'string' && typeof iss !== 'number') || String(iss) !== String(expected.appId)) {
    return { ok: false, message: 'Integration not found' };
  }
  if (expected.publicKey !== undefined) {
    const key = typeof expected.publicKey === 'string' ? createPublicKey(expected.publicKey) : expected.publicKey;
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`);
    let valid = false;
    try {
      valid = verify('RSA-SHA256', signed, key, Buffer.from(encodedSignature, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, message: UNDECODABLE };
  }
  return { ok: true, appId: String(iss) };
}

function decodeJsonPart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
