import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { HeraldConfig } from '@herald/config';
import { REDIS_CLIENT, RedisClient } from '@herald/queue';

export interface OperatorSession {
  /** The cookie's value; only its hash is stored. */
  id: string;
  /** The anti-forgery token for Bull Board's writes (double-submitted as the XSRF-TOKEN cookie and X-XSRF-TOKEN header). */
  csrf: string;
  expiresAt: Date;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Operator sessions, kept in Redis so that every instance sees a sign-out at once. A session lives at most
 * HERALD_SESSION_TTL from sign-in, however busy: it is never extended. Redis holds a hash of the cookie,
 * so a copy of Redis's data signs nobody in.
 */
@Injectable()
export class OperatorSessions {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: HeraldConfig,
  ) {}

  async start(): Promise<OperatorSession> {
    const session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + this.config.sessionTtlMs),
    };
    await this.redis.set(this.key(session.id), session.csrf, 'PX', this.config.sessionTtlMs);
    return session;
  }

  /** The session's anti-forgery token while the session is live; undefined for an unknown, ended or malformed id. */
  async csrfOf(id: string | undefined): Promise<string | undefined> {
    if (!id || !SESSION_ID.test(id)) return undefined;
    return (await this.redis.get(this.key(id))) ?? undefined;
  }

  async end(id: string): Promise<void> {
    if (SESSION_ID.test(id)) await this.redis.del(this.key(id));
  }

  private key(id: string): string {
    return `${this.config.queuePrefix}:session:${createHash('sha256').update(id).digest('base64url')}`;
  }
}
