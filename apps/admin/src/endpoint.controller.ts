import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { EndpointIn, EndpointInSchema, endpointOut } from '@herald/api';
import { ApplicationService, currentSecret, EndpointService } from '@herald/domain';
import { ZodPipe } from '@herald/platform';

@Controller('api/v1/app/:appId/endpoint')
export class EndpointController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
  ) {}

  @Post()
  async create(@Param('appId') appId: string, @Body(new ZodPipe(EndpointInSchema)) input: EndpointIn) {
    const application = await this.applications.get(appId);
    return endpointOut(await this.endpoints.create(application.id, input));
  }

  @Get()
  async list(@Param('appId') appId: string) {
    const application = await this.applications.get(appId);
    const data = (await this.endpoints.list(application.id)).map(endpointOut);
    return { data, iterator: null, prevIterator: null, done: true };
  }

  @Get(':endpointId')
  async get(@Param('appId') appId: string, @Param('endpointId') endpointId: string) {
    const application = await this.applications.get(appId);
    return endpointOut(await this.endpoints.get(application.id, endpointId));
  }

  @Get(':endpointId/secret')
  async secret(@Param('appId') appId: string, @Param('endpointId') endpointId: string) {
    const application = await this.applications.get(appId);
    return { key: currentSecret(await this.endpoints.get(application.id, endpointId)) };
  }
}
