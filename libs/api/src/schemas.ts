import { z } from 'zod';

/**
 * Request bodies of the Svix v1 API, field for field (camelCase JSON), with Svix's limits.
 * Unknown fields are dropped, as Svix does.
 */
const ID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const uid = z.string().min(1).max(256).regex(ID_PATTERN, 'must contain only letters, digits, -, _ and .');
const metadata = z.record(z.string(), z.string());
const positiveInt = z.number().int().min(1).max(65_535);
const channel = z.string().min(1).max(128).regex(/^[a-zA-Z0-9\-_.:]+$/, 'must contain only letters, digits, -, _, . and :');
const eventTypeName = z.string().min(1).max(256).regex(ID_PATTERN, 'must contain only letters, digits, -, _ and .');
const httpUrl = z
  .string()
  .max(65_536)
  .refine((value) => /^https?:$/.test(safeUrl(value)?.protocol ?? ''), 'must be an absolute http:// or https:// URL');

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export const ApplicationInSchema = z.object({
  name: z.string().min(1).max(256),
  uid: uid.nullish(),
  rateLimit: positiveInt.nullish(),
  throttleRate: positiveInt.nullish(),
  metadata: metadata.optional(),
});
export type ApplicationIn = z.infer<typeof ApplicationInSchema>;

export const EndpointInSchema = z.object({
  url: httpUrl,
  description: z.string().max(4_096).optional(),
  uid: uid.nullish(),
  version: positiveInt.nullish(),
  disabled: z.boolean().optional(),
  filterTypes: z.array(eventTypeName).min(1).max(1_000).nullish(),
  channels: z.array(channel).min(1).max(10).nullish(),
  secret: z
    .string()
    .regex(/^(whsec_)?[a-zA-Z0-9+/=]{32,100}$/, 'must be whsec_ followed by 32 to 100 base64 characters')
    .nullish(),
  headers: z.record(z.string(), z.string()).nullish(),
  rateLimit: positiveInt.nullish(),
  throttleRate: positiveInt.nullish(),
  metadata: metadata.optional(),
});
export type EndpointIn = z.infer<typeof EndpointInSchema>;

export const MessageInSchema = z.object({
  eventType: eventTypeName,
  payload: z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }),
  eventId: uid.nullish(),
  channels: z.array(channel).min(1).max(10).nullish(),
  tags: z
    .array(z.string().min(1).max(128).regex(/^[a-zA-Z0-9\-_./\\#]+$/, 'contains characters a tag may not'))
    .min(1)
    .max(5)
    .nullish(),
});
export type MessageIn = z.infer<typeof MessageInSchema>;

/** Query of Svix list routes: `limit` (1–250, default 50) and an opaque `iterator`. */
export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(250).default(50),
  iterator: z.string().max(256).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

const booleanQuery = z
  .enum(['true', 'false'], { message: 'expected true or false' })
  .optional()
  .transform((value) => value === 'true');

export const ApplicationCreateQuerySchema = z.object({ get_if_exists: booleanQuery });
