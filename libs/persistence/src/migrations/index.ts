import { InitialSchema1763780000000 } from './1763780000000-initial-schema';
import { IdempotencyAndRecovery1763790000000 } from './1763790000000-idempotency-and-recovery';
import { EndpointHealth1763800000000 } from './1763800000000-endpoint-health';
import { AttemptResponseHeaders1763810000000 } from './1763810000000-attempt-response-headers';
import { Svix21764000000000 } from './1764000000000-svix-2';
import { AccessTokens1764200000000 } from './1764200000000-access-tokens';
import { OperationalWebhooks1764300000000 } from './1764300000000-operational-webhooks';
import { Integrations1764320000000 } from './1764320000000-integrations';
import { MessageTraceparent1764400000000 } from './1764400000000-message-traceparent';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [
  InitialSchema1763780000000,
  IdempotencyAndRecovery1763790000000,
  EndpointHealth1763800000000,
  AttemptResponseHeaders1763810000000,
  Svix21764000000000,
  AccessTokens1764200000000,
  OperationalWebhooks1764300000000,
  Integrations1764320000000,
  MessageTraceparent1764400000000,
];
