import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  backgroundTaskOut,
  BackgroundTaskOutSchema,
  BulkReplayIn,
  BulkReplayInSchema,
  EndpointHeadersIn,
  EndpointHeadersInSchema,
  EndpointHeadersOutSchema,
  EndpointHeadersPatchIn,
  EndpointHeadersPatchInSchema,
  EndpointIn,
  EndpointInSchema,
  endpointOut,
  EndpointOutSchema,
  EndpointPatch,
  EndpointPatchSchema,
  EndpointSecretOutSchema,
  EndpointSecretRotateIn,
  EndpointSecretRotateInSchema,
  EndpointStatsOutSchema,
  EndpointUpdate,
  EndpointUpdateSchema,
  EventExampleIn,
  EventExampleInSchema,
  listOf,
  ListQuery,
  ListQuerySchema,
  listResponse,
  messageOut,
  MessageOutSchema,
  StatsQuery,
  StatsQuerySchema,
  TimeRangeIn,
  TimeRangeInSchema,
  UpsertIdSchema,
} from '@herald/api';
import { BackgroundTaskService, deliveryStatusOf, EndpointService, EventTypeService, MessageIntake, RedeliveryService } from '@herald/domain';
import { endpointStats, LiveFeed } from '@herald/live';
import type { Application } from '@herald/persistence';
import { currentSecret } from '@herald/signing';
import { AppScoped, Returns, ReturnsNothing } from '@herald/platform';
import { AppParam } from './application.param';

/** Within one application, open to credentials limited to it: changes take ManageEndpoint unless a route says otherwise. */
@AppScoped('ManageEndpoint')
@Controller('api/v1/app/:app_id/endpoint')
export class EndpointController {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly redelivery: RedeliveryService,
    private readonly tasks: BackgroundTaskService,
    private readonly live: LiveFeed,
    private readonly eventTypes: EventTypeService,
    private readonly intake: MessageIntake,
  ) {}

  @Get()
  @Returns(listOf(EndpointOutSchema))
  @AppScoped()
  async list(@AppParam() application: Application, @Query({ schema: ListQuerySchema }) page: ListQuery) {
    return listResponse(await this.endpoints.list(application.id, page), endpointOut);
  }

  @Post()
  @Returns(EndpointOutSchema, 201)
  async create(@AppParam() application: Application, @Body({ schema: EndpointInSchema }) input: EndpointIn) {
    return endpointOut(await this.endpoints.create(application.id, input));
  }

  @Get(':endpoint_id')
  @Returns(EndpointOutSchema)
  @AppScoped()
  async get(@AppParam() application: Application, @Param('endpoint_id') endpointId: string) {
    return endpointOut(await this.endpoints.get(application.id, endpointId));
  }

  /** Upsert: 201 when the path id named no endpoint and one was created with it as uid. */
  @Put(':endpoint_id')
  @Returns(EndpointOutSchema)
  async update(
    @AppParam() application: Application,
    @Param('endpoint_id', { schema: UpsertIdSchema }) endpointId: string,
    @Body({ schema: EndpointUpdateSchema }) input: EndpointUpdate,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { endpoint, created } = await this.endpoints.update(application.id, endpointId, input);
    reply.status(created ? 201 : 200);
    return endpointOut(endpoint);
  }

  @Patch(':endpoint_id')
  @Returns(EndpointOutSchema)
  async patch(@AppParam() application: Application, @Param('endpoint_id') endpointId: string, @Body({ schema: EndpointPatchSchema }) input: EndpointPatch) {
    return endpointOut(await this.endpoints.patch(application.id, endpointId, input));
  }

  @Delete(':endpoint_id')
  @ReturnsNothing()
  @HttpCode(204)
  async delete(@AppParam() application: Application, @Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.delete(application.id, endpointId);
  }

  @Get(':endpoint_id/secret')
  @Returns(EndpointSecretOutSchema)
  @AppScoped('ViewEndpointSecret')
  async secret(@AppParam() application: Application, @Param('endpoint_id') endpointId: string) {
    return { key: currentSecret((await this.endpoints.get(application.id, endpointId)).secrets) };
  }

  @Post(':endpoint_id/secret/rotate')
  @ReturnsNothing()
  @AppScoped('ManageEndpointSecret')
  @HttpCode(204)
  async rotateSecret(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointSecretRotateInSchema }) input: EndpointSecretRotateIn,
  ): Promise<void> {
    await this.endpoints.rotateSecret(application.id, endpointId, input);
  }

  @Get(':endpoint_id/headers')
  @Returns(EndpointHeadersOutSchema)
  @AppScoped()
  headers(@AppParam() application: Application, @Param('endpoint_id') endpointId: string) {
    return this.endpoints.headers(application.id, endpointId);
  }

  @Put(':endpoint_id/headers')
  @ReturnsNothing()
  @HttpCode(204)
  async replaceHeaders(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointHeadersInSchema }) input: EndpointHeadersIn,
  ): Promise<void> {
    await this.endpoints.replaceHeaders(application.id, endpointId, input.headers);
  }

  @Patch(':endpoint_id/headers')
  @ReturnsNothing()
  @HttpCode(204)
  async patchHeaders(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointHeadersPatchInSchema }) input: EndpointHeadersPatchIn,
  ): Promise<void> {
    await this.endpoints.patchHeaders(application.id, endpointId, input);
  }

  /** Puts the deliveries that failed in the range back on the schedule; a background task that has finished by the answer. */
  @Post(':endpoint_id/recover')
  @Returns(BackgroundTaskOutSchema, 202)
  @AppScoped('CreateAttempts')
  @HttpCode(202)
  async recover(@AppParam() application: Application, @Param('endpoint_id') endpointId: string, @Body({ schema: TimeRangeInSchema }) input: TimeRangeIn) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return backgroundTaskOut(
      await this.tasks.run('endpoint.recover', application.id, async () => ({
        messagesSent: await this.redelivery.recover(endpoint, input.since, input.until),
      })),
    );
  }

  /** Sends the messages of the range this endpoint should have had and never got. */
  @Post(':endpoint_id/replay-missing')
  @Returns(BackgroundTaskOutSchema, 202)
  @AppScoped('CreateAttempts')
  @HttpCode(202)
  async replayMissing(@AppParam() application: Application, @Param('endpoint_id') endpointId: string, @Body({ schema: TimeRangeInSchema }) input: TimeRangeIn) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return backgroundTaskOut(
      await this.tasks.run('endpoint.replay', application.id, async () => ({
        messagesSent: await this.redelivery.replayMissing(endpoint, input.since, input.until),
      })),
    );
  }

  /** Sends again every message of the range it was sent before, that matches the filters. */
  @Post(':endpoint_id/bulk-replay')
  @Returns(BackgroundTaskOutSchema, 202)
  @AppScoped('CreateAttempts')
  @HttpCode(202)
  async bulkReplay(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: BulkReplayInSchema }) { since, until, filter }: BulkReplayIn,
  ) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    const work = async () => ({
      messagesSent: await this.redelivery.bulkReplay(endpoint, since, until, { ...filter, status: deliveryStatusOf(filter.status) }),
    });
    return backgroundTaskOut(await this.tasks.run('endpoint.bulk-replay', application.id, work));
  }

  /** Sends the event type's example (the `exampleIndex`th of its schema's `examples`) to this endpoint only: a real message, signed and retried. */
  @Post(':endpoint_id/send-example')
  @Returns(MessageOutSchema, 202)
  @AppScoped('CreateAttempts')
  @HttpCode(202)
  async sendExample(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EventExampleInSchema }) input: EventExampleIn,
  ) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    const payload = await this.eventTypes.example(input.eventType, input.exampleIndex ?? 0);
    return messageOut(await this.intake.acceptFor(application, endpoint, { eventType: input.eventType, payload }));
  }

  /**
   * Svix's delivery counts (from the database, optionally within since/until), plus Herald's `window`:
   * attempts by outcome and latency percentiles over the sliding window, the numbers `stats` events carry.
   */
  @Get(':endpoint_id/stats')
  @Returns(EndpointStatsOutSchema)
  @AppScoped()
  async stats(@AppParam() application: Application, @Param('endpoint_id') endpointId: string, @Query({ schema: StatsQuerySchema }) query: StatsQuery) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    const [counts, window] = await Promise.all([this.endpoints.stats(endpoint, query.since, query.until), this.live.window(new Set([endpoint.id]))]);
    return { ...counts, window: { windowMs: window.windowMs, ...endpointStats(window, endpoint.id) } };
  }
}
