import { createHash, timingSafeEqual } from 'node:crypto';

/** The bootstrap API token, compared in constant time whatever the length of what is presented. */
export class ApiToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  matches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.expected);
  }
}

export const digest = (value: string) => createHash('sha256').update(value).digest();
