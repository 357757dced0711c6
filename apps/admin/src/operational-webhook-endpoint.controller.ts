import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  EndpointHeadersIn,
  EndpointHeadersInSchema,
  EndpointHeadersOutSchema,
  EndpointSecretOutSchema,
  EndpointSecretRotateIn,
  EndpointSecretRotateInSchema,
  listOf,
  ListQuery,
  ListQuerySchema,
  listResponse,
  OperationalEndpointIn,
  OperationalEndpointInSchema,
  operationalEndpointOut,
  OperationalEndpointOutSchema,
  OperationalEndpointUpdate,
  OperationalEndpointUpdateSchema,
  UpsertIdSchema,
} from '@herald/api';
import { OperationalEndpoints } from '@herald/domain';
import { Returns, ReturnsNothing, RootOnly } from '@herald/platform';

/**
 * Svix's operational webhook endpoints: where Herald sends its events about itself (endpoint.disabled,
 * message.attempt.exhausted…). An operator's business, so the API token's alone: API keys and portal tokens get 403
 * (or 404, for one limited to an application).
 */
@RootOnly('manages operational webhook endpoints')
@Controller('api/v1/operational-webhook/endpoint')
export class OperationalWebhookEndpointController {
  constructor(private readonly endpoints: OperationalEndpoints) {}

  @Get()
  @Returns(listOf(OperationalEndpointOutSchema))
  async list(@Query({ schema: ListQuerySchema }) page: ListQuery) {
    return listResponse(await this.endpoints.list(page), operationalEndpointOut);
  }

  @Post()
  @Returns(OperationalEndpointOutSchema, 201)
  async create(@Body({ schema: OperationalEndpointInSchema }) input: OperationalEndpointIn) {
    return operationalEndpointOut(await this.endpoints.create(input));
  }

  @Get(':endpoint_id')
  @Returns(OperationalEndpointOutSchema)
  async get(@Param('endpoint_id') endpointId: string) {
    return operationalEndpointOut(await this.endpoints.get(endpointId));
  }

  /** Upsert: 201 when the path id named no endpoint and one was created with it as uid. */
  @Put(':endpoint_id')
  @Returns(OperationalEndpointOutSchema)
  async update(
    @Param('endpoint_id', { schema: UpsertIdSchema }) endpointId: string,
    @Body({ schema: OperationalEndpointUpdateSchema }) input: OperationalEndpointUpdate,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { endpoint, created } = await this.endpoints.update(endpointId, input);
    reply.status(created ? 201 : 200);
    return operationalEndpointOut(endpoint);
  }

  @Delete(':endpoint_id')
  @ReturnsNothing()
  @HttpCode(204)
  async delete(@Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.delete(endpointId);
  }

  @Get(':endpoint_id/secret')
  @Returns(EndpointSecretOutSchema)
  async secret(@Param('endpoint_id') endpointId: string) {
    return { key: await this.endpoints.secret(endpointId) };
  }

  @Post(':endpoint_id/secret/rotate')
  @ReturnsNothing()
  @HttpCode(204)
  async rotateSecret(@Param('endpoint_id') endpointId: string, @Body({ schema: EndpointSecretRotateInSchema }) input: EndpointSecretRotateIn): Promise<void> {
    await this.endpoints.rotateSecret(endpointId, input);
  }

  @Get(':endpoint_id/headers')
  @Returns(EndpointHeadersOutSchema)
  headers(@Param('endpoint_id') endpointId: string) {
    return this.endpoints.headers(endpointId);
  }

  @Put(':endpoint_id/headers')
  @ReturnsNothing()
  @HttpCode(204)
  async replaceHeaders(@Param('endpoint_id') endpointId: string, @Body({ schema: EndpointHeadersInSchema }) input: EndpointHeadersIn): Promise<void> {
    await this.endpoints.replaceHeaders(endpointId, input.headers);
  }
}
