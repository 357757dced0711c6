import { z } from 'zod';
import type {
  AppPortalAccessOut,
  ApplicationOut,
  AttemptOut,
  BackgroundTaskOut,
  EndpointMessageOut,
  EndpointOut,
  EventTypeOut,
  MessageEndpointOut,
  MessageOut,
  OperationalEndpointOut,
} from '@herald/contract';

/**
 * The response bodies as schemas, for the OpenAPI document only (generated clients get types from it):
 * the contract's types stay the one declaration, and the checks at the end fail to compile when a schema
 * and its type drift apart.
 */
const timestamp = z.iso.datetime();
const metadata = z.record(z.string(), z.string());
const messageStatus = z
  .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)])
  .describe('0 success, 1 pending, 2 fail, 3 sending, 4 canceled');

export const ApplicationOutSchema = z.object({
  id: z.string(),
  uid: z.string().optional(),
  name: z.string(),
  throttleRate: z.number().int().optional(),
  rateLimit: z.number().int().optional().describe("Svix 1.x's name of throttleRate"),
  metadata,
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const EventTypeOutSchema = z.object({
  name: z.string(),
  description: z.string(),
  archived: z.boolean(),
  deprecated: z.boolean(),
  schemas: z.record(z.string(), z.unknown()).optional(),
  featureFlags: z.array(z.string()).optional(),
  featureFlag: z.string().optional().describe("Svix 1.x's single flag: the first of featureFlags"),
  groupName: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const EndpointOutSchema = z.object({
  id: z.string(),
  uid: z.string().optional(),
  url: z.string(),
  description: z.string(),
  version: z.number().int(),
  disabled: z.boolean(),
  eventTypes: z.array(z.string()).optional(),
  filterTypes: z.array(z.string()).optional().describe("Svix 1.x's name of eventTypes"),
  channels: z.array(z.string()).optional(),
  throttleRate: z.number().int().optional(),
  rateLimit: z.number().int().optional().describe("Svix 1.x's name of throttleRate"),
  metadata,
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const OperationalEndpointOutSchema = EndpointOutSchema.omit({ version: true, channels: true });

export const MessageOutSchema = z.object({
  id: z.string(),
  eventType: z.string(),
  eventId: z.string().optional(),
  payload: z.record(z.string(), z.unknown()),
  channels: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  timestamp,
  deliverAt: timestamp.optional(),
});

export const AttemptOutSchema = z.object({
  id: z.string(),
  msgId: z.string(),
  endpointId: z.string(),
  url: z.string(),
  response: z.string(),
  responseHeaders: z.record(z.string(), z.string()).nullable().describe("Herald's addition: the response's headers"),
  responseStatusCode: z.number().int(),
  responseDurationMs: z.number().int(),
  status: messageStatus,
  statusText: z.string(),
  triggerType: z.number().int().describe('0 scheduled, 1 manual'),
  timestamp,
  msg: MessageOutSchema.optional(),
});

const deliveryState = { status: messageStatus, statusText: z.string(), nextAttempt: timestamp.nullable() };
export const EndpointMessageOutSchema = MessageOutSchema.extend(deliveryState);
export const MessageEndpointOutSchema = EndpointOutSchema.extend(deliveryState);

export const BackgroundTaskOutSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'finished', 'failed']),
  task: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedAt: timestamp,
});

export const AppPortalAccessOutSchema = z.object({ url: z.string().describe("The consumer portal's link, the token in its #fragment"), token: z.string() });

/** Svix's list envelope around items of `item`. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), iterator: z.string().nullable(), prevIterator: z.string().nullable(), done: z.boolean() });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift: [
  Same<z.output<typeof ApplicationOutSchema>, ApplicationOut>,
  Same<z.output<typeof EventTypeOutSchema>, EventTypeOut>,
  Same<z.output<typeof EndpointOutSchema>, EndpointOut>,
  Same<z.output<typeof OperationalEndpointOutSchema>, OperationalEndpointOut>,
  Same<z.output<typeof MessageOutSchema>, MessageOut>,
  Same<z.output<typeof AttemptOutSchema>, AttemptOut>,
  Same<z.output<typeof EndpointMessageOutSchema>, EndpointMessageOut>,
  Same<z.output<typeof MessageEndpointOutSchema>, MessageEndpointOut>,
  Same<z.output<typeof BackgroundTaskOutSchema>, BackgroundTaskOut>,
  Same<z.output<typeof AppPortalAccessOutSchema>, AppPortalAccessOut>,
] = [true, true, true, true, true, true, true, true, true, true];
void drift;

export const EndpointSecretOutSchema = z.object({ key: z.string().describe('whsec_ followed by base64') });
export const EndpointHeadersOutSchema = z.object({ headers: z.record(z.string(), z.string()), sensitive: z.array(z.string()) });
export const EndpointStatsOutSchema = z.object({
  success: z.number().int(),
  pending: z.number().int(),
  sending: z.number().int(),
  fail: z.number().int(),
  canceled: z.number().int(),
  window: z.record(z.string(), z.unknown()).describe("Herald's addition: attempts by outcome and latency percentiles over HERALD_STATS_WINDOW"),
});
export const MessagePrecheckOutSchema = z.object({ active: z.boolean() });
export const BulkExpungeOutSchema = z.object({ results: z.record(z.string(), z.enum(['expunged', 'not-found'])) });
export const EmptyOutSchema = z.object({});
