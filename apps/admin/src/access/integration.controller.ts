import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import {
  IntegrationIn,
  IntegrationInSchema,
  IntegrationKeyOutSchema,
  integrationOut,
  IntegrationOutSchema,
  listOf,
  ListQuery,
  ListQuerySchema,
  listResponse,
} from '@herald/api';
import type { Application } from '@herald/persistence';
import { Integrations, Returns, ReturnsNothing, RootOnly } from '@herald/platform';
import { AppParam } from '../application.param';

/** Minting a key that outlives the caller's own is the API token's alone, as for API keys. */
const MINTS_KEYS = 'Only the API token creates integrations and rotates their keys';

/**
 * Svix's integrations: a named key for one application, for a third party to call Herald with (it reaches
 * what an API key limited to that application reaches). Managed with the API token or a full API key;
 * credentials limited to one application get 404 here, as on every route not meant for them.
 */
@Controller('api/v1/app/:app_id/integration')
export class IntegrationController {
  constructor(private readonly integrations: Integrations) {}

  @Get()
  @Returns(listOf(IntegrationOutSchema))
  async list(@AppParam() application: Application, @Query({ schema: ListQuerySchema }) page: ListQuery) {
    return listResponse(await this.integrations.list(application.id, page), integrationOut);
  }

  /** 201 with the integration and, this once, its key (`key`). */
  @Post()
  @Returns(IntegrationOutSchema, 201)
  @RootOnly(MINTS_KEYS)
  async create(@AppParam() application: Application, @Body({ schema: IntegrationInSchema }) input: IntegrationIn) {
    const { integration, key } = await this.integrations.create(application.id, input);
    return { ...integrationOut(integration), key };
  }

  @Get(':integ_id')
  @Returns(IntegrationOutSchema)
  async get(@AppParam() application: Application, @Param('integ_id') id: string) {
    return integrationOut(await this.integrations.get(application.id, id));
  }

  @Put(':integ_id')
  @Returns(IntegrationOutSchema)
  async update(@AppParam() application: Application, @Param('integ_id') id: string, @Body({ schema: IntegrationInSchema }) input: IntegrationIn) {
    return integrationOut(await this.integrations.update(application.id, id, input));
  }

  /** Deletes the integration; its key is refused from then on. */
  @Delete(':integ_id')
  @ReturnsNothing()
  @HttpCode(204)
  async delete(@AppParam() application: Application, @Param('integ_id') id: string): Promise<void> {
    await this.integrations.delete(application.id, id);
  }

  /** Svix 1.x's getKey (gone from 2.x): 409, since only the key's hash is kept. */
  @Get(':integ_id/key')
  @ApiResponse({ status: 409, description: 'key_not_retrievable: only its hash is kept' })
  async getKey(@AppParam() application: Application, @Param('integ_id') id: string): Promise<never> {
    return this.integrations.keyNotKept(application.id, id);
  }

  /** A new key, answered this once; the previous one is refused at once, by every instance. */
  @Post(':integ_id/key/rotate')
  @Returns(IntegrationKeyOutSchema)
  @RootOnly(MINTS_KEYS)
  @HttpCode(200)
  async rotateKey(@AppParam() application: Application, @Param('integ_id') id: string) {
    return { key: await this.integrations.rotateKey(application.id, id) };
  }
}
