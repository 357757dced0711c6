import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApplicationCreateQuerySchema, ApplicationIn, ApplicationInSchema, applicationOut } from '@herald/api';
import { ApplicationService } from '@herald/domain';
import { ZodPipe } from '@herald/platform';

@Controller('api/v1/app')
export class ApplicationController {
  constructor(private readonly applications: ApplicationService) {}

  /** 201 when created; 200 when `get_if_exists=true` found one with the same uid. */
  @Post()
  async create(
    @Body(new ZodPipe(ApplicationInSchema)) input: ApplicationIn,
    @Query(new ZodPipe(ApplicationCreateQuerySchema, 'query')) { get_if_exists: getIfExists }: { get_if_exists: boolean },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { application, created } = await this.applications.create(input, getIfExists);
    reply.status(created ? 201 : 200);
    return applicationOut(application);
  }

  @Get(':appId')
  async get(@Param('appId') appId: string) {
    return applicationOut(await this.applications.get(appId));
  }
}
