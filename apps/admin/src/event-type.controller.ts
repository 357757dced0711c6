import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  DeleteEventTypeQuerySchema,
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
import { AppScoped, Returns, ReturnsNothing } from '@herald/platform';

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
