import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HeraldConfig } from '@herald/config';

/**
 * helmet's headers on every response: no framing (X-Frame-Options: DENY, against clickjacking of the admin
 * UI, Bull Board and the API docs), nosniff, no referrer, same-origin resource policies, and HSTS when
 * HERALD_PUBLIC_URL is https. Pages set their own Content-Security-Policy (the admin UI's is strict;
 * Bull Board and Swagger UI run inline scripts), so helmet's is off.
 */
export async function sendSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const https = app.get(HeraldConfig).publicUrl?.startsWith('https:') ?? false;
  await app.register(helmet as never, {
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    hsts: https ? undefined : false,
    crossOriginEmbedderPolicy: false,
  });
}
