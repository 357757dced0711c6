import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApplicationCreateQuerySchema,
  ApplicationIn,
  ApplicationInSchema,
  ApplicationListQuery,
  ApplicationListQuerySchema,
  applicationOut,
  ApplicationOutSchema,
  ApplicationPatch,
  ApplicationPatchSchema,
  listOf,
  listResponse,
  UpsertIdSchema,
} from '@herald/api';
import { ApplicationService } from '@herald/domain';
import type { Application } from '@herald/persistence';
import { AppScoped, Returns, ReturnsNothing } from '@herald/platform';
import { AppParam } from './application.param';

@Controller('api/v1/app')
export class ApplicationController {
  constructor(private readonly applications: ApplicationService) {}

  @Get()
  @Returns(listOf(ApplicationOutSchema))
  async list(@Query({ schema: ApplicationListQuerySchema }) { page, filter }: ApplicationListQuery) {
    return listResponse(await this.applications.list(page, filter), applicationOut);
  }

  /** 201 when created; 200 when `get_if_exists=true` found one with the same uid. */
  @Post()
  @Returns(ApplicationOutSchema, 201)
  async create(
    @Body({ schema: ApplicationInSchema }) input: ApplicationIn,
    @Query({ schema: ApplicationCreateQuerySchema }) { getIfExists }: { getIfExists: boolean },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { application, created } = await this.applications.create(input, getIfExists);
    reply.status(created ? 201 : 200);
    return applicationOut(application);
  }

  @Get(':app_id')
  @Returns(ApplicationOutSchema)
  @AppScoped()
  get(@AppParam() application: Application) {
    return applicationOut(application);
  }

  /** Upsert: 201 when the path id named no application and one was created with it as uid. */
  @Put(':app_id')
  @Returns(ApplicationOutSchema)
  async update(
    @Param('app_id', { schema: UpsertIdSchema }) appId: string,
    @Body({ schema: ApplicationInSchema }) input: ApplicationIn,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { application, created } = await this.applications.update(appId, input);
    reply.status(created ? 201 : 200);
    return applicationOut(application);
  }

  @Patch(':app_id')
  @Returns(ApplicationOutSchema)
  async patch(@Param('app_id') appId: string, @Body({ schema: ApplicationPatchSchema }) input: ApplicationPatch) {
    return applicationOut(await this.applications.patch(appId, input));
  }

  @Delete(':app_id')
  @ReturnsNothing()
  @HttpCode(204)
  async delete(@Param('app_id') appId: string): Promise<void> {
    await this.applications.delete(appId);
  }
}
