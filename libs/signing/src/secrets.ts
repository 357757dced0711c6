/** An endpoint's signing secret; after a rotation the previous one keeps signing until `expiresAt` (epoch ms). */
export interface SigningSecret {
  key: string;
  expiresAt: number | null;
}

/** The secret shown to users: the newest one. */
export function currentSecret(secrets: readonly SigningSecret[]): string {
  return secrets[0].key;
}

/** Secrets that sign a delivery now: the current one and any rotated-out one still inside its grace period. */
export function activeSecrets(secrets: readonly SigningSecret[], now = Date.now()): string[] {
  return secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now).map((secret) => secret.key);
}

/**
 * The secrets after a rotation to `key`: it signs from now on, and every secret still active keeps signing
 * beside it until `graceEndsAt` at the latest, so consumers can switch without dropping webhooks.
 */
export function rotatedSecrets(secrets: readonly SigningSecret[], key: string, graceEndsAt: number, now = Date.now()): SigningSecret[] {
  const kept = secrets
    .filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
    .map((secret) => ({ key: secret.key, expiresAt: Math.min(secret.expiresAt ?? graceEndsAt, graceEndsAt) }));
  return [{ key, expiresAt: null }, ...kept];
}
