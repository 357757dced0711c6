import { validateHeaderValue } from 'node:http';
import { z } from 'zod';
import type {
  ApplicationInput,
  EndpointInput,
  EndpointSettings,
  EventTypeInput,
  EventTypeSettings,
  MessageInput,
  OperationalEndpointInput,
  OperationalEndpointSettings,
} from '@herald/domain';
import { EVENT_TYPES, FEATURE_FLAGS, THROTTLE_RATE, withRenames } from './renamed';

/**
 * Request bodies and queries of the Svix v1 API, field for field (camelCase JSON, snake_case queries),
 * with Svix's limits. Unknown fields are dropped, as Svix does.
 */
const ID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const ID_HINT = 'must contain only letters, digits, -, _ and .';
const uid = z.string().min(1).max(256).regex(ID_PATTERN, ID_HINT);
const metadata = z.record(z.string(), z.string().max(4_096));
const positiveInt = z.number().int().min(1).max(65_535);
const channel = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9\-_.:]+$/, 'must contain only letters, digits, -, _, . and :');
const channels = z.array(channel).min(1).max(10);
const eventTypeName = z.string().min(1).max(256).regex(ID_PATTERN, ID_HINT);
const filterTypes = z.array(eventTypeName).min(1).max(1_000);
const description = z.string().max(4_096);
const httpUrl = z
  .string()
  .max(65_536)
  .refine((value) => /^https?:$/.test(safeUrl(value)?.protocol ?? ''), 'must be an absolute http:// or https:// URL');
const secret = z.string().regex(/^(whsec_)?[a-zA-Z0-9+/=]{32,100}$/, 'must be whsec_ followed by 32 to 100 base64 characters');
const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).transform((value) => new Date(value));

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Node's own rule, which undici applies at send time: a value it refuses could never be delivered. */
function sendableHeaderValue(value: string): boolean {
  try {
    validateHeaderValue('x-herald-check', value);
    return true;
  } catch {
    return false;
  }
}

/** Headers Herald sets itself (or HTTP owns), which an endpoint's custom headers may not replace. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'te',
  'upgrade',
  'expect',
]);
const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid HTTP header name')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()) && !/^(webhook|svix)-/i.test(name), 'is a reserved header and cannot be set');
const headerValue = z
  .string()
  .max(8_192)
  .refine(sendableHeaderValue, 'must contain only tabs, visible ASCII, spaces and Latin-1 letters: HTTP cannot send other characters in a header');
const headers = z.record(headerName, headerValue).refine((value) => Object.keys(value).length <= 100, 'at most 100 headers');

// Path ids

/**
 * The id in the path of a PUT, which becomes the uid (or the event type's name) when the PUT creates: it
 * must pass the same rules as a uid given in a body, or an upsert would store what create refuses.
 */
export const UpsertIdSchema = uid;
export const EventTypeNameSchema = eventTypeName;

// Applications

const applicationFields = z.object({
  name: z.string().min(1).max(256),
  uid: uid.nullish(),
  throttleRate: positiveInt.nullish(),
  rateLimit: positiveInt.nullish(),
  metadata: metadata.optional(),
});

export const ApplicationInSchema = withRenames<ApplicationInput>(applicationFields, [THROTTLE_RATE]);
export type ApplicationIn = ApplicationInput;

export const ApplicationPatchSchema = withRenames<Partial<ApplicationInput>>(applicationFields.partial(), [THROTTLE_RATE]);
export type ApplicationPatch = Partial<ApplicationInput>;

// Event types

const featureFlag = z.string().min(1).max(256).regex(ID_PATTERN, ID_HINT);
const eventTypeFields = z.object({
  name: eventTypeName,
  description: description,
  archived: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  schemas: z.record(z.string(), z.unknown()).nullish(),
  featureFlags: z.array(featureFlag).max(20).nullish(),
  featureFlag: featureFlag.nullish(),
  groupName: z.string().max(256).nullish(),
});

export const EventTypeInSchema = withRenames<EventTypeInput>(eventTypeFields, [FEATURE_FLAGS]);
export type EventTypeIn = EventTypeInput;

export const EventTypeUpdateSchema = withRenames<EventTypeSettings>(eventTypeFields.omit({ name: true }), [FEATURE_FLAGS]);
export type EventTypeUpdate = EventTypeSettings;

export const EventTypePatchSchema = withRenames<Partial<EventTypeSettings>>(eventTypeFields.omit({ name: true }).partial(), [FEATURE_FLAGS]);
export type EventTypePatch = Partial<EventTypeSettings>;

// Endpoints

const endpointFields = z.object({
  url: httpUrl,
  description: description.optional(),
  uid: uid.nullish(),
  version: positiveInt.nullish(),
  disabled: z.boolean().optional(),
  eventTypes: filterTypes.nullish(),
  filterTypes: filterTypes.nullish(),
  channels: channels.nullish(),
  secret: secret.nullish(),
  headers: headers.nullish(),
  throttleRate: positiveInt.nullish(),
  rateLimit: positiveInt.nullish(),
  metadata: metadata.optional(),
});
const endpointRenames = [EVENT_TYPES, THROTTLE_RATE];

export const EndpointInSchema = withRenames<EndpointInput>(endpointFields, endpointRenames);
export type EndpointIn = EndpointInput;

export const EndpointUpdateSchema = withRenames<EndpointSettings>(endpointFields.omit({ secret: true, headers: true }), endpointRenames);
export type EndpointUpdate = EndpointSettings;

export const EndpointPatchSchema = withRenames<Partial<EndpointSettings> & { secret?: string | null }>(
  endpointFields.omit({ headers: true }).partial(),
  endpointRenames,
);
export type EndpointPatch = Partial<EndpointSettings> & { secret?: string | null };

export const EndpointHeadersInSchema = z.object({ headers });
export type EndpointHeadersIn = z.infer<typeof EndpointHeadersInSchema>;

/** A null value deletes that header, as do the names in `deleteHeaders`. */
export const EndpointHeadersPatchInSchema = z.object({
  headers: z.record(headerName, headerValue.nullable()),
  deleteHeaders: z.array(z.string().max(256)).max(100).optional(),
});
export type EndpointHeadersPatchIn = z.infer<typeof EndpointHeadersPatchInSchema>;

export const EndpointSecretRotateInSchema = z.object({
  key: secret.nullish(),
  gracePeriodSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3_600)
    .nullish(),
});
export type EndpointSecretRotateIn = z.infer<typeof EndpointSecretRotateInSchema>;

// Operational webhook endpoints: an endpoint's fields but version and channels (Svix's OperationalWebhookEndpointIn)

const operationalEndpointFields = endpointFields.omit({ version: true, channels: true });

export const OperationalEndpointInSchema = withRenames<OperationalEndpointInput>(operationalEndpointFields, endpointRenames);
export type OperationalEndpointIn = OperationalEndpointInput;

export const OperationalEndpointUpdateSchema = withRenames<OperationalEndpointSettings>(
  operationalEndpointFields.omit({ secret: true, headers: true }),
  endpointRenames,
);
export type OperationalEndpointUpdate = OperationalEndpointSettings;

/** Body of `recover` and `replay-missing`: a time range. */
export const TimeRangeInSchema = z.object({ since: timestamp, until: timestamp.nullish() });
export type TimeRangeIn = z.infer<typeof TimeRangeInSchema>;

/** Body of `bulk-replay`: a time range, and which of its messages. */
export const BulkReplayInSchema = TimeRangeInSchema.extend({
  eventTypes: z.array(eventTypeName).max(1_000).nullish(),
  channel: channel.nullish(),
  tag: z.string().max(128).nullish(),
  status: z.number().int().min(0).max(4).nullish(),
  statusCodeClass: z
    .number()
    .int()
    .refine((value) => [0, 100, 200, 300, 400, 500].includes(value), 'expected 0, 100, 200, 300, 400 or 500')
    .nullish(),
}).transform(({ since, until, eventTypes, channel, tag, status, statusCodeClass }) => ({
  since,
  until,
  filter: {
    eventTypes: eventTypes ?? undefined,
    channel: channel ?? undefined,
    tag: tag ?? undefined,
    status: status ?? undefined,
    statusCodeClass: statusCodeClass ?? undefined,
  },
}));
export type BulkReplayIn = z.output<typeof BulkReplayInSchema>;

// Messages

/** How far ahead a message may be scheduled (Svix allows a day). */
const MAX_DELIVER_AHEAD_MS = 24 * 3_600_000;
const contentType = z.string().min(1).max(256).refine(sendableHeaderValue, 'must be a valid Content-Type header value');

export const MessageInSchema = z
  .object({
    eventType: eventTypeName,
    payload: z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }),
    eventId: uid.nullish(),
    channels: channels.nullish(),
    tags: z
      .array(
        z
          .string()
          .min(1)
          .max(128)
          .regex(/^[a-zA-Z0-9\-_./\\#]+$/, 'contains characters a tag may not'),
      )
      .min(1)
      .max(5)
      .nullish(),
    /** Creates the application on the fly when the path names none (its uid, if given, must be the path's). */
    application: ApplicationInSchema.nullish(),
    deliverAt: timestamp.refine((at) => at.getTime() <= Date.now() + MAX_DELIVER_AHEAD_MS, 'must be at most 24 hours ahead').nullish(),
    /** messageInRaw: the body to send as it is, instead of `payload`, and its content type. */
    transformationsParams: z
      .object({
        rawPayload: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .nullish(),
    /** Accepted for Svix's SDKs; Herald keeps every payload HERALD_RETENTION_DAYS. */
    payloadRetentionPeriod: z.number().int().min(1).max(90).nullish(),
    payloadRetentionHours: z.number().int().min(1).max(2_160).nullish(),
  })
  .superRefine((message, ctx) => {
    const type = Object.entries(message.transformationsParams?.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
    if (type !== undefined && !contentType.safeParse(type).success)
      ctx.addIssue({ code: 'custom', path: ['transformationsParams', 'headers', 'content-type'], message: 'must be a valid Content-Type header value' });
  })
  .transform(
    ({
      transformationsParams,
      payloadRetentionPeriod: _days,
      payloadRetentionHours: _hours,
      ...message
    }): MessageInput & { application?: ApplicationInput | null } => {
      const rawPayload = transformationsParams?.rawPayload;
      if (rawPayload === undefined) return message;
      const type = Object.entries(transformationsParams?.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      return { ...message, raw: { payload: rawPayload, contentType: type ?? 'application/json' } };
    },
  );
export type MessageIn = z.output<typeof MessageInSchema>;

export const MessagePrecheckInSchema = z.object({ eventType: eventTypeName, channels: channels.nullish() });
export type MessagePrecheckIn = z.infer<typeof MessagePrecheckInSchema>;

export const BulkExpungeInSchema = z.object({ ids: z.array(z.string().min(1).max(256)).max(1_000).optional() });
export type BulkExpungeIn = z.infer<typeof BulkExpungeInSchema>;

// Queries

const booleanQuery = z
  .enum(['true', 'false'], { message: 'expected true or false' })
  .optional()
  .transform((value) => value === 'true');
/** A comma-separated list (the SDK joins arrays with commas), or the parameter repeated. */
const listQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) =>
    value === undefined
      ? undefined
      : [value]
          .flat()
          .flatMap((part) => part.split(','))
          .filter(Boolean),
  );
const ordering = z.enum(['ascending', 'descending'], { message: 'expected ascending or descending' });

const page = (defaultOrder: 'ascending' | 'descending') => ({
  limit: z.coerce.number({ message: 'expected a whole number' }).int().min(1).max(250).default(50),
  iterator: z.string().max(300).optional(),
  order: ordering.default(defaultOrder),
});

export const ApplicationCreateQuerySchema = z.object({ get_if_exists: booleanQuery }).transform((query) => ({ getIfExists: query.get_if_exists }));

/**
 * Queries are snake_case on the wire; the domain takes camelCase: each schema below parses the wire and
 * hands the controller `page` (a PageRequest) and `filter` as the domain names them.
 */
const pageOf = ({ limit, iterator, order }: { limit: number; iterator?: string; order: 'ascending' | 'descending' }) => ({ limit, iterator, order });

export const ListQuerySchema = z.object(page('ascending'));
export type ListQuery = z.infer<typeof ListQuerySchema>;

export const EventTypeListQuerySchema = z
  .object({ ...page('ascending'), include_archived: booleanQuery, with_content: booleanQuery })
  .transform((query) => ({ page: pageOf(query), includeArchived: query.include_archived, withContent: query.with_content }));
export type EventTypeListQuery = z.output<typeof EventTypeListQuerySchema>;

export const DeleteEventTypeQuerySchema = z.object({ expunge: booleanQuery });

const timeWindow = { before: timestamp.optional(), after: timestamp.optional() };
const withContent = z
  .enum(['true', 'false'])
  .optional()
  .transform((value) => value !== 'false');

export const MessageListQuerySchema = z
  .object({
    ...page('descending'),
    ...timeWindow,
    event_types: listQuery,
    channel: channel.optional(),
    tag: z.string().max(128).optional(),
    with_content: withContent,
  })
  .transform((query) => ({
    page: pageOf(query),
    filter: { before: query.before, after: query.after, eventTypes: query.event_types, channel: query.channel, tag: query.tag },
    withContent: query.with_content,
  }));
export type MessageListQuery = z.output<typeof MessageListQuerySchema>;

export const WithContentQuerySchema = z.object({ with_content: withContent }).transform((query) => ({ withContent: query.with_content }));

const attemptStatus = z.coerce.number({ message: 'expected 0, 1, 2, 3 or 4' }).int().min(0).max(4);
const statusCodeClass = z.coerce
  .number()
  .int()
  .refine((value) => [0, 100, 200, 300, 400, 500].includes(value), 'expected 0, 100, 200, 300, 400 or 500');
/** A tag as a filter: any text (a tag may not hold every character, so an odd one simply matches nothing). */
const tagQuery = z.string().max(128).optional();
/** Svix's SDKs always send it; Herald records no Sending or Canceled attempts, so it changes nothing. */
const expandedStatuses = { expanded_statuses: booleanQuery };

export const AttemptListQuerySchema = z
  .object({
    ...page('descending'),
    ...timeWindow,
    ...expandedStatuses,
    status: attemptStatus.optional(),
    status_code_class: statusCodeClass.optional(),
    event_types: listQuery,
    channel: channel.optional(),
    tag: tagQuery,
    endpoint_id: z.string().max(256).optional(),
    with_msg: booleanQuery,
    with_content: withContent,
  })
  .transform((query) => ({
    page: pageOf(query),
    filter: {
      before: query.before,
      after: query.after,
      status: query.status,
      statusCodeClass: query.status_code_class,
      eventTypes: query.event_types,
      channel: query.channel,
      tag: query.tag,
      endpointId: query.endpoint_id,
    },
    /** Each attempt with its message (`msg`), with or without its payload. */
    withMessage: query.with_msg,
    withContent: query.with_content,
  }));
export type AttemptListQuery = z.output<typeof AttemptListQuerySchema>;

export const AttemptedQuerySchema = z
  .object({
    ...page('descending'),
    ...timeWindow,
    ...expandedStatuses,
    status: attemptStatus.optional(),
    channel: channel.optional(),
    tag: tagQuery,
    event_types: listQuery,
    with_content: withContent,
  })
  .transform((query) => ({
    page: pageOf(query),
    filter: { before: query.before, after: query.after, status: query.status, channel: query.channel, tag: query.tag, eventTypes: query.event_types },
    withContent: query.with_content,
  }));
export type AttemptedQuery = z.output<typeof AttemptedQuerySchema>;

export const ApplicationListQuerySchema = z
  .object({
    ...page('ascending'),
    exclude_apps_with_no_endpoints: booleanQuery,
    exclude_apps_with_disabled_endpoints: booleanQuery,
    /** Svix Play is Svix's hosted test receiver; Herald has none, so there is nothing to exclude. */
    exclude_apps_with_svix_play_endpoints: booleanQuery,
  })
  .transform((query) => ({
    page: pageOf(query),
    filter: { withEndpoints: query.exclude_apps_with_no_endpoints, allEnabled: query.exclude_apps_with_disabled_endpoints },
  }));
export type ApplicationListQuery = z.output<typeof ApplicationListQuerySchema>;

export const StatsQuerySchema = z.object({ since: timestamp.optional(), until: timestamp.optional() });
export type StatsQuery = z.infer<typeof StatsQuerySchema>;

export const BackgroundTaskListQuerySchema = z
  .object({
    ...page('descending'),
    status: z.enum(['running', 'finished', 'failed'], { message: 'expected running, finished or failed' }).optional(),
    task: z
      .enum([
        'endpoint.replay',
        'endpoint.recover',
        'endpoint.bulk-replay',
        'application.stats',
        'application.purge_content',
        'event-type.aggregate',
        'message.broadcast',
        'sdk.generate',
      ])
      .optional(),
  })
  .transform((query) => ({ page: pageOf(query), filter: { status: query.status, task: query.task } }));
export type BackgroundTaskListQuery = z.output<typeof BackgroundTaskListQuerySchema>;

/** Svix's AppPortalCapability: what a portal token may do in its application. */
export const CAPABILITIES = ['ViewBase', 'ViewEndpointSecret', 'ManageEndpointSecret', 'ManageTransformations', 'CreateAttempts', 'ManageEndpoint'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Svix's portal tokens last 7 days by default, and at most that. */
export const PORTAL_EXPIRY_DEFAULT_S = 7 * 86_400;

/** Body of `auth/app-portal-access/{app_id}` (Svix's AppPortalAccessIn). */
export const AppPortalAccessInSchema = z
  .object({
    application: ApplicationInSchema.nullish(),
    expiry: z.number().int().min(1).max(PORTAL_EXPIRY_DEFAULT_S).nullish(),
    readOnly: z.boolean().nullish(),
    capabilities: z.array(z.enum(CAPABILITIES)).max(CAPABILITIES.length).nullish(),
    featureFlags: z.array(z.string().min(1).max(256).regex(ID_PATTERN, ID_HINT)).max(100).nullish(),
    sessionId: z.string().min(1).max(256).regex(ID_PATTERN, ID_HINT).nullish(),
  })
  .nullish();
export type AppPortalAccessIn = z.infer<typeof AppPortalAccessInSchema>;

/** Body of `auth/app/{app_id}/expire-all` (Svix's ApplicationTokenExpireIn): `expiry` seconds from now, 0 by default. */
export const ApplicationTokenExpireInSchema = z
  .object({
    expiry: z.number().int().min(0).max(PORTAL_EXPIRY_DEFAULT_S).nullish(),
    sessionIds: z.array(z.string().min(1).max(256)).max(1_000).nullish(),
  })
  .nullish();
export type ApplicationTokenExpireIn = z.infer<typeof ApplicationTokenExpireInSchema>;

/** Body of `auth/api-key` (Herald's): a name, and a scope: every application or one, and perhaps only reading. */
export const ApiKeyInSchema = z.object({
  name: z.string().min(1).max(256),
  appId: z.string().min(1).max(256).nullish(),
  readOnly: z.boolean().nullish(),
});
export type ApiKeyIn = z.infer<typeof ApiKeyInSchema>;
