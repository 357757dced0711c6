import { Body, Controller, Get, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProduces } from '@nestjs/swagger';
import { z } from 'zod';
import { HeraldConfig, redactUrl } from '@herald/config';
import type { ConnectedEventData, LiveEvent } from '@herald/contract';
import { ApplicationService, EndpointService, NotFoundError } from '@herald/domain';
import { isStreamId, LiveFeed, Metrics, recentFor, statsFor } from '@herald/live';
import { accessOf, ApiError, AppScoped, Authenticator, ChangesNothing, Public, StreamTokens } from '@herald/platform';
import { QueueDepths } from '@herald/queue';
import { LiveBus } from './live-bus';
import { ReplayThenLive } from './replay-then-live';
import { SseConnection } from './sse-connection';
import { StreamSlots } from './stream-slots';

const StreamTokenInSchema = z.object({ appId: z.string().max(256).optional() }).optional();
/** Endpoints listed in a `connected` snapshot, at most. */
const SNAPSHOT_ENDPOINTS = 1_000;
/** Events read per round trip when replaying after Last-Event-ID. */
const REPLAY_BATCH = 500;

interface Scope {
  appId?: string;
  endpointId?: string;
}

/** Who may open a stream: the API token (key 'api-token') or a stream token, which may be limited to one application. */
interface StreamCaller {
  key: string;
  appId?: string;
}

/**
 * Live delivery streams over SSE (DESIGN §6): `connected` at once, then `delivery` and `endpoint` events
 * with ids from the durable Redis cursor, `stats` every interval, a comment heartbeat. A client that
 * comes back with Last-Event-ID first gets what it missed, then live events, with no gap and no repeat.
 * Written by hand on the raw response rather than with @Sse(), to send comments and to see backpressure.
 */
@Controller('api/v1')
export class StreamController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
    private readonly authenticator: Authenticator,
    private readonly tokens: StreamTokens,
    private readonly slots: StreamSlots,
    private readonly feed: LiveFeed,
    private readonly depths: QueueDepths,
    private readonly bus: LiveBus,
    private readonly metrics: Metrics,
    private readonly config: HeraldConfig,
  ) {}

  /**
   * A short-lived, read-only token for `?token=` (the browser's EventSource cannot send headers). A caller
   * limited to one application gets a token for that one only, which dies with the caller's own token.
   */
  @Post('auth/stream-token')
  @AppScoped()
  @ChangesNothing()
  async streamToken(@Req() request: FastifyRequest, @Body({ schema: StreamTokenInSchema }) input: z.infer<typeof StreamTokenInSchema>) {
    const caller = (await this.authenticator.apiCaller(request))!;
    const scope = accessOf(caller).appId;
    const requested = input?.appId ? (await this.applications.get(input.appId)).id : undefined;
    if (scope && requested && requested !== scope) throw new NotFoundError('Application');
    const parent = 'token' in caller ? caller.token : undefined;
    const { token, expiresAt } = this.tokens.issue(this.config.streamTokenTtlMs, scope ?? requested, parent);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Svix's Streaming API lists its streams at the same path (svix.streaming.stream.list()): a client that
   * asks for JSON rather than an event stream gets an answer at once instead of an endless body.
   */
  @Get('stream')
  @Public()
  @ApiProduces('text/event-stream')
  async all(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (wantsJson(request.headers.accept)) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        'not_supported',
        "Svix's Streaming API is not part of Herald; this path is Herald's live delivery stream: ask for it with Accept: text/event-stream",
      );
    }
    const caller = await this.authenticate(request);
    if (caller.appId) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'This stream token is limited to one application: open its own stream');
    return this.open(request, reply, {}, caller);
  }

  @Get('app/:app_id/stream')
  @Public()
  @ApiProduces('text/event-stream')
  async app(@Param('app_id') appId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = await this.authenticate(request);
    const application = await this.application(caller, appId);
    return this.open(request, reply, { appId: application.id }, caller);
  }

  @Get('app/:app_id/endpoint/:endpoint_id/stream')
  @Public()
  @ApiProduces('text/event-stream')
  async endpoint(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const caller = await this.authenticate(request);
    const application = await this.application(caller, appId);
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return this.open(request, reply, { appId: application.id, endpointId: endpoint.id }, caller);
  }

  /** The API token, an API key or portal token (in the header), or a stream token in the header or `?token=`. */
  private async authenticate(request: FastifyRequest): Promise<StreamCaller> {
    const identity = await this.authenticator.identify(request);
    if (identity.kind === 'stream') return identity;
    if (identity.kind === 'api-token' || ('token' in identity && !identity.viaCookie)) return { key: identity.key, appId: accessOf(identity).appId };
    throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Send the API token as Authorization: Bearer, or a stream token as ?token=');
  }

  /** The application in the path; for a token limited to another one, the same 404 as for none, so a token tells nothing of other applications. */
  private async application(caller: StreamCaller, appId: string) {
    const application = await this.applications.get(appId);
    if (caller.appId && caller.appId !== application.id) throw new NotFoundError('Application');
    return application;
  }

  private async open(request: FastifyRequest, reply: FastifyReply, scope: Scope, caller: StreamCaller): Promise<void> {
    // HEAD (which Fastify routes here too) gets the stream's headers and an end, not an open stream without a body.
    if (request.method === 'HEAD') return void reply.header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send();
    const slot = await this.slots.take(caller.key);
    if (!slot) throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'too_many_streams', `At most ${this.config.sseMaxPerToken} concurrent streams per token`);
    // A browser's EventSource sends Last-Event-ID itself when it reconnects; a page that opens a new one
    // (say, with a fresh stream token) passes it as ?lastEventId= instead.
    const lastEventId = [request.headers['last-event-id']].flat()[0] ?? (request.query as { lastEventId?: string }).lastEventId;
    const resumeFrom = lastEventId && isStreamId(lastEventId) ? lastEventId : undefined;

    this.metrics.sseConnections.inc();
    reply.hijack();
    const connection = new SseConnection(reply.raw, this.config.sseBufferBytes, () => this.metrics.sseDropped.inc());

    const merge = new ReplayThenLive(
      (event) => inScope(event.data, scope),
      (events) => connection.sendEvents(events),
      resumeFrom,
    );
    const inScopeEndpoint = (endpointId: string, appId: string) => inScope({ endpointId, appId }, scope);
    const stopEvents = this.bus.onEvents((events) => merge.live(events));
    const stopStats = this.bus.onStats((tick) => {
      const recent = tick.recent ? recentFor(tick.recent.intervalMs, tick.recent.endpoints, inScopeEndpoint) : null;
      connection.send('stats', { ...statsFor(tick.window, inScopeEndpoint), recent, queues: tick.queues, timestamp: tick.timestamp });
    });
    const heartbeat = setInterval(() => {
      connection.comment('heartbeat');
      slot.renew().catch(() => undefined); // Redis away: the lease runs on, the next beat renews it
    }, this.config.sseHeartbeatMs);
    reply.raw.once('close', () => {
      stopEvents();
      stopStats();
      clearInterval(heartbeat);
      slot.release().catch(() => undefined); // Redis away: the lease lapses by itself
      this.metrics.sseConnections.dec();
      connection.close();
    });

    try {
      connection.send('connected', await this.snapshot(scope, resumeFrom));
      for (let cursor = resumeFrom; cursor && connection.isOpen;) {
        const batch = await this.feed.range(cursor, REPLAY_BATCH);
        if (batch.length === 0) break;
        merge.replayed(batch);
        cursor = batch[batch.length - 1].id;
      }
    } catch {
      connection.close(); // Redis or the database failed mid-way: the client reconnects and resumes
    }
    merge.goLive();
  }

  /** The state a client starts from: the endpoints in scope with their state, and the queue depths. */
  private async snapshot(scope: Scope, resumedAfter?: string): Promise<ConnectedEventData> {
    const [endpoints, queues] = await Promise.all([this.endpoints.inScope(scope, SNAPSHOT_ENDPOINTS), this.depths.read()]);
    return {
      scope,
      resumedAfter: resumedAfter ?? null,
      endpoints: endpoints.map((endpoint) => ({
        id: endpoint.id,
        appId: endpoint.appId,
        // Streams reach browsers: credentials in an endpoint's URL stay out of them.
        url: redactUrl(endpoint.url),
        state: endpoint.disabled ? 'disabled' : endpoint.health,
        disabledReason: endpoint.disabledReason,
      })),
      queues,
      timestamp: new Date().toISOString(),
    };
  }
}

function inScope(data: LiveEvent['data'] | { appId: string; endpointId: string }, scope: Scope): boolean {
  return (!scope.appId || data.appId === scope.appId) && (!scope.endpointId || data.endpointId === scope.endpointId);
}

/** True when the client asks for JSON and not an event stream (an SDK, not an EventSource or curl). */
function wantsJson(accept: string | undefined): boolean {
  return !!accept && /application\/json/i.test(accept) && !/text\/event-stream/i.test(accept);
}
