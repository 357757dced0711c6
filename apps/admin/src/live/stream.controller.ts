import { Body, Controller, Get, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { HeraldConfig } from '@herald/config';
import { ApplicationService, EndpointService } from '@herald/domain';
import { compareStreamIds, isStreamId, LIVE_EVENTS, LIVE_STATS, LiveEvent, LiveFeed, Metrics, recentFor, statsFor } from '@herald/live';
import { Endpoint } from '@herald/persistence';
import { ApiError, ApiToken, Public, SignedTokens } from '@herald/platform';
import { QueueDepths } from '@herald/queue';
import { SseConnection } from './sse-connection';
import { StatsTick } from './stats.ticker';

const StreamTokenInSchema = z.object({ appId: z.string().max(256).optional() }).optional();
/** Endpoints listed in a `connected` snapshot, at most. */
const SNAPSHOT_ENDPOINTS = 1_000;
/** Events read per round trip when replaying after Last-Event-ID. */
const REPLAY_BATCH = 500;

interface Scope {
  appId?: string;
  endpointId?: string;
}

/**
 * Live delivery streams over SSE (DESIGN §6): `connected` at once, then `delivery` and `endpoint` events
 * with ids from the durable Redis cursor, `stats` every interval, a comment heartbeat. A client that
 * comes back with Last-Event-ID first gets what it missed, then live events, with no gap and no repeat.
 * Written by hand on the raw response rather than with @Sse(), to send comments and to see backpressure.
 */
@Controller('api/v1')
export class StreamController {
  private readonly apiToken: ApiToken;
  private readonly openPerToken = new Map<string, number>();

  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
    private readonly tokens: SignedTokens,
    private readonly feed: LiveFeed,
    private readonly depths: QueueDepths,
    private readonly bus: EventEmitter2,
    private readonly metrics: Metrics,
    private readonly config: HeraldConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.apiToken = new ApiToken(config.apiToken);
  }

  /** A short-lived, read-only token for `?token=` (the browser's EventSource cannot send headers). */
  @Post('auth/stream-token')
  async streamToken(@Body({ schema: StreamTokenInSchema }) input: z.infer<typeof StreamTokenInSchema>) {
    const app = input?.appId ? (await this.applications.get(input.appId)).id : undefined;
    const { token, expiresAt } = this.tokens.issue('stream', this.config.streamTokenTtlMs, app);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  @Get('stream')
  @Public()
  all(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.open(request, reply, {});
  }

  @Get('app/:app_id/stream')
  @Public()
  async app(@Param('app_id') appId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = this.authenticate(request);
    const application = await this.applications.get(appId);
    return this.open(request, reply, { appId: application.id }, caller);
  }

  @Get('app/:app_id/endpoint/:endpoint_id/stream')
  @Public()
  async endpoint(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = this.authenticate(request);
    const application = await this.applications.get(appId);
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return this.open(request, reply, { appId: application.id, endpointId: endpoint.id }, caller);
  }

  /** Who is asking: the API token in the header, or a stream token in the header or `?token=`. */
  private authenticate(request: FastifyRequest): { key: string; app?: string } {
    const header = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (header && this.apiToken.check(`Bearer ${header}`) === 'ok') return { key: 'api-token' };
    const candidate = header ?? (request.query as { token?: string }).token;
    const claims = this.tokens.verify(candidate, 'stream');
    if (claims) return { key: candidate!, app: claims.app };
    throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Send the API token as Authorization: Bearer, or a stream token as ?token=');
  }

  private async open(request: FastifyRequest, reply: FastifyReply, scope: Scope, caller = this.authenticate(request)): Promise<void> {
    if (caller.app && caller.app !== scope.appId) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'This stream token is limited to another application');
    const open = this.openPerToken.get(caller.key) ?? 0;
    if (open >= this.config.sseMaxPerToken) {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'too_many_streams', `At most ${this.config.sseMaxPerToken} concurrent streams per token`);
    }
    // A browser's EventSource sends Last-Event-ID itself when it reconnects; a page that opens a new one
    // (say, with a fresh stream token) passes it as ?lastEventId= instead.
    const lastEventId = [request.headers['last-event-id']].flat()[0] ?? (request.query as { lastEventId?: string }).lastEventId;
    const resumeFrom = lastEventId && isStreamId(lastEventId) ? lastEventId : undefined;

    this.openPerToken.set(caller.key, open + 1);
    this.metrics.sseConnections.inc();
    reply.hijack();
    const connection = new SseConnection(reply.raw, this.config.sseBufferBytes, () => this.metrics.sseDropped.inc());

    // Live events are held back until the replay is written, then sent if newer than what was replayed.
    let lastSent = resumeFrom;
    let held: LiveEvent[] | undefined = [];
    const send = (events: LiveEvent[]) => {
      // Batches come in stream order: when the first is new, all are (one comparison per batch, not per event).
      const overlaps = lastSent !== undefined && events.length > 0 && compareStreamIds(events[0].id, lastSent) <= 0;
      const fresh = events.filter((event) => inScope(event, scope) && (!overlaps || compareStreamIds(event.id, lastSent!) > 0));
      if (fresh.length === 0) return;
      connection.sendEvents(fresh);
      lastSent = fresh[fresh.length - 1].id;
    };
    const onEvents = (events: LiveEvent[]) => {
      if (held) held.push(...events);
      else send(events);
    };
    const inScopeEndpoint = (endpointId: string, appId: string) => (!scope.appId || appId === scope.appId) && (!scope.endpointId || endpointId === scope.endpointId);
    const onStats = (tick: StatsTick) => {
      const recent = tick.recent ? recentFor(tick.recent.intervalMs, tick.recent.endpoints, inScopeEndpoint) : null;
      connection.send('stats', { ...statsFor(tick.window, inScopeEndpoint), recent, queues: tick.queues, timestamp: tick.timestamp });
    };
    this.bus.on(LIVE_EVENTS, onEvents);
    this.bus.on(LIVE_STATS, onStats);
    const heartbeat = setInterval(() => connection.comment('heartbeat'), this.config.sseHeartbeatMs);
    reply.raw.once('close', () => {
      this.bus.off(LIVE_EVENTS, onEvents);
      this.bus.off(LIVE_STATS, onStats);
      clearInterval(heartbeat);
      this.openPerToken.set(caller.key, (this.openPerToken.get(caller.key) ?? 1) - 1);
      if (this.openPerToken.get(caller.key) === 0) this.openPerToken.delete(caller.key);
      this.metrics.sseConnections.dec();
      connection.close();
    });

    try {
      connection.send('connected', await this.snapshot(scope, resumeFrom));
      for (let cursor = resumeFrom; cursor && connection.isOpen; ) {
        const batch = await this.feed.range(cursor, REPLAY_BATCH);
        if (batch.length === 0) break;
        send(batch);
        cursor = batch[batch.length - 1].id;
      }
    } catch {
      connection.close(); // Redis or the database failed mid-way: the client reconnects and resumes
    }
    const pending = held;
    held = undefined;
    send(pending);
  }

  /** The state a client starts from: the endpoints in scope with their state, and the queue depths. */
  private async snapshot(scope: Scope, resumedAfter?: string) {
    const where = scope.endpointId ? { id: scope.endpointId } : scope.appId ? { appId: scope.appId } : {};
    const [endpoints, queues] = await Promise.all([
      this.db.getRepository(Endpoint).find({ where, order: { id: 'ASC' }, take: SNAPSHOT_ENDPOINTS }),
      this.depths.read(),
    ]);
    return {
      scope,
      resumedAfter: resumedAfter ?? null,
      endpoints: endpoints.map((endpoint) => ({
        id: endpoint.id,
        appId: endpoint.appId,
        url: endpoint.url,
        state: endpoint.disabled ? 'disabled' : endpoint.health,
        disabledReason: endpoint.disabledReason,
      })),
      queues,
      timestamp: new Date().toISOString(),
    };
  }
}

function inScope(event: LiveEvent, scope: Scope): boolean {
  return (!scope.appId || event.data.appId === scope.appId) && (!scope.endpointId || event.data.endpointId === scope.endpointId);
}
