import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  DeleteEventTypeQuerySchema,
  EventTypeImportOpenApiIn,
  EventTypeImportOpenApiInSchema,
  EventTypeImportOpenApiOutSchema,
  EventTypeIn,
  EventTypeInSchema,
  EventTypeListQuery,
  EventTypeListQuerySchema,
  EventTypeNameSchema,
  eventTypeOut,
  EventTypeOutSchema,
  EventTypePatch,
  EventTypePatchSchema,
  EventTypeUpdate,
  EventTypeUpdateSchema,
  listOf,
  listResponse,
} from '@herald/api';
import { EventTypeService } from '@herald/domain';
import { ApiError, AppScoped, Returns, ReturnsNothing } from '@herald/platform';

@Controller('api/v1/event-type')
export class EventTypeController {
  constructor(private readonly eventTypes: EventTypeService) {}

  /** The catalogue is read by credentials limited to one application too (the portal's event type picker). */
  @Get()
  @Returns(listOf(EventTypeOutSchema))
  @AppScoped()
  async list(@Query({ schema: EventTypeListQuerySchema }) { page, includeArchived, withContent }: EventTypeListQuery) {
    return listResponse(await this.eventTypes.list(page, includeArchived), (eventType) => eventTypeOut(eventType, withContent));
  }

  @Post()
  @Returns(EventTypeOutSchema, 201)
  async create(@Body({ schema: EventTypeInSchema }) input: EventTypeIn) {
    return eventTypeOut(await this.eventTypes.create(input));
  }

  /** Event types from an OpenAPI document's webhooks (see EventTypeService.importOpenApi); 200 `{ data: { modified, to_modify? } }`. */
  @Post('import/openapi')
  @Returns(EventTypeImportOpenApiOutSchema)
  @HttpCode(200)
  async importOpenApi(@Body({ schema: EventTypeImportOpenApiInSchema }) input: EventTypeImportOpenApiIn) {
    const { spec, specRaw } = input;
    // As Svix: neither or both is a 400.
    if ((spec == null) === (specRaw == null)) throw new ApiError(HttpStatus.BAD_REQUEST, 'bad_request', 'Send the OpenAPI document as either spec or specRaw');
    const source = spec != null ? { spec } : { specRaw: specRaw! };
    const { modified, toModify } = await this.eventTypes.importOpenApi(source, { dryRun: input.dryRun ?? false, replaceAll: input.replaceAll ?? false });
    return { data: { modified, ...(toModify ? { to_modify: toModify } : {}) } };
  }

  @Get(':event_type_name')
  @Returns(EventTypeOutSchema)
  @AppScoped()
  async get(@Param('event_type_name') name: string) {
    return eventTypeOut(await this.eventTypes.get(name));
  }

  @Put(':event_type_name')
  @Returns(EventTypeOutSchema)
  async update(
    @Param('event_type_name', { schema: EventTypeNameSchema }) name: string,
    @Body({ schema: EventTypeUpdateSchema }) input: EventTypeUpdate,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { eventType, created } = await this.eventTypes.update(name, input);
    reply.status(created ? 201 : 200);
    return eventTypeOut(eventType);
  }

  @Patch(':event_type_name')
  @Returns(EventTypeOutSchema)
  async patch(@Param('event_type_name') name: string, @Body({ schema: EventTypePatchSchema }) input: EventTypePatch) {
    return eventTypeOut(await this.eventTypes.patch(name, input));
  }

  /** Archives; `?expunge=true` deletes for good. */
  @Delete(':event_type_name')
  @ReturnsNothing()
  @HttpCode(204)
  async delete(@Param('event_type_name') name: string, @Query({ schema: DeleteEventTypeQuerySchema }) { expunge }: { expunge: boolean }): Promise<void> {
    await this.eventTypes.delete(name, expunge);
  }
}
