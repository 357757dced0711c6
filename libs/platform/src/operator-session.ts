import type { FastifyRequest } from 'fastify';
import { SignedTokens } from './signed-tokens';

/** The HttpOnly cookie an operator gets at sign-in (POST /api/v1/auth/session). */
export const SESSION_COOKIE = 'herald_session';
/**
 * API calls made with the session cookie must also carry this header. A cross-site page cannot add a
 * custom header without a CORS preflight, which Herald never grants: together with SameSite=Strict,
 * that keeps other sites from riding on an operator's session.
 */
export const UI_HEADER = 'x-herald-ui';

export function hasOperatorSession(request: FastifyRequest, tokens: SignedTokens): boolean {
  return tokens.verify(readCookie(request.headers.cookie, SESSION_COOKIE), 'session') !== undefined;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
