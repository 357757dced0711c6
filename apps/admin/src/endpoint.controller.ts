import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  EndpointHeadersIn,
  EndpointHeadersInSchema,
  EndpointHeadersPatchIn,
  EndpointHeadersPatchInSchema,
  EndpointIn,
  EndpointInSchema,
  endpointOut,
  EndpointPatch,
  EndpointPatchSchema,
  EndpointSecretRotateIn,
  EndpointSecretRotateInSchema,
  EndpointUpdate,
  EndpointUpdateSchema,
  ListQuery,
  ListQuerySchema,
  listResponse,
  StatsQuery,
  StatsQuerySchema,
  TimeRangeIn,
  TimeRangeInSchema,
  UpsertIdSchema,
} from '@herald/api';
import { ApplicationService, currentSecret, EndpointService, RedeliveryService, timeSortableId } from '@herald/domain';
import { endpointStats, LiveFeed } from '@herald/live';

@Controller('api/v1/app/:app_id/endpoint')
export class EndpointController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
    private readonly redelivery: RedeliveryService,
    private readonly live: LiveFeed,
  ) {}

  @Get()
  async list(@Param('app_id') appId: string, @Query({ schema: ListQuerySchema }) query: ListQuery) {
    const application = await this.applications.get(appId);
    return listResponse(await this.endpoints.list(application.id, query), endpointOut);
  }

  @Post()
  async create(@Param('app_id') appId: string, @Body({ schema: EndpointInSchema }) input: EndpointIn) {
    const application = await this.applications.get(appId);
    return endpointOut(await this.endpoints.create(application.id, input));
  }

  @Get(':endpoint_id')
  async get(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string) {
    return endpointOut(await this.endpoint(appId, endpointId));
  }

  /** Upsert: 201 when the path id named no endpoint and one was created with it as uid. */
  @Put(':endpoint_id')
  async update(
    @Param('app_id') appId: string,
    @Param('endpoint_id', { schema: UpsertIdSchema }) endpointId: string,
    @Body({ schema: EndpointUpdateSchema }) input: EndpointUpdate,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const application = await this.applications.get(appId);
    const { endpoint, created } = await this.endpoints.update(application.id, endpointId, input);
    reply.status(created ? 201 : 200);
    return endpointOut(endpoint);
  }

  @Patch(':endpoint_id')
  async patch(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body({ schema: EndpointPatchSchema }) input: EndpointPatch) {
    const application = await this.applications.get(appId);
    return endpointOut(await this.endpoints.patch(application.id, endpointId, input));
  }

  @Delete(':endpoint_id')
  @HttpCode(204)
  async delete(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<void> {
    const application = await this.applications.get(appId);
    await this.endpoints.delete(application.id, endpointId);
  }

  @Get(':endpoint_id/secret')
  async secret(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string) {
    return { key: currentSecret(await this.endpoint(appId, endpointId)) };
  }

  @Post(':endpoint_id/secret/rotate')
  @HttpCode(204)
  async rotateSecret(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointSecretRotateInSchema }) input: EndpointSecretRotateIn,
  ): Promise<void> {
    const application = await this.applications.get(appId);
    await this.endpoints.rotateSecret(application.id, endpointId, input);
  }

  @Get(':endpoint_id/headers')
  async headers(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string) {
    const application = await this.applications.get(appId);
    return this.endpoints.headers(application.id, endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(204)
  async replaceHeaders(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointHeadersInSchema }) input: EndpointHeadersIn,
  ): Promise<void> {
    const application = await this.applications.get(appId);
    await this.endpoints.replaceHeaders(application.id, endpointId, input.headers);
  }

  @Patch(':endpoint_id/headers')
  @HttpCode(204)
  async patchHeaders(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body({ schema: EndpointHeadersPatchInSchema }) input: EndpointHeadersPatchIn,
  ): Promise<void> {
    const application = await this.applications.get(appId);
    await this.endpoints.patchHeaders(application.id, endpointId, input);
  }

  /** Re-sends the deliveries that failed in the range. Done before answering, so the task is reported finished. */
  @Post(':endpoint_id/recover')
  @HttpCode(202)
  async recover(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body({ schema: TimeRangeInSchema }) input: TimeRangeIn) {
    await this.redelivery.recover(await this.endpoint(appId, endpointId), input.since, input.until);
    return finishedTask('endpoint.recover');
  }

  /** Sends the messages of the range this endpoint should have had and never got. */
  @Post(':endpoint_id/replay-missing')
  @HttpCode(202)
  async replayMissing(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body({ schema: TimeRangeInSchema }) input: TimeRangeIn) {
    await this.redelivery.replayMissing(await this.endpoint(appId, endpointId), input.since, input.until);
    return finishedTask('endpoint.replay');
  }

  /**
   * Svix's delivery counts (from the database, optionally within since/until), plus Herald's `window`:
   * attempts by outcome and latency percentiles over the sliding window, the numbers `stats` events carry.
   */
  @Get(':endpoint_id/stats')
  async stats(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Query({ schema: StatsQuerySchema }) query: StatsQuery) {
    const endpoint = await this.endpoint(appId, endpointId);
    const [counts, window] = await Promise.all([
      this.endpoints.stats(endpoint.appId, endpoint.id, query.since, query.until),
      this.live.window(new Set([endpoint.id])),
    ]);
    return { ...counts, window: { windowMs: window.windowMs, ...endpointStats(window, endpoint.id) } };
  }

  private async endpoint(appId: string, endpointId: string) {
    const application = await this.applications.get(appId);
    return this.endpoints.get(application.id, endpointId);
  }
}

/** Svix's background-task answer; Herald finishes these tasks within the request. */
function finishedTask(task: 'endpoint.recover' | 'endpoint.replay') {
  return { id: `qtask_${timeSortableId()}`, status: 'finished', task, updatedAt: new Date().toISOString() };
}
