import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiKeyIn, ApiKeyInSchema, ListQuery, ListQuerySchema, listResponse } from '@herald/api';
import type { ApiKeyOut } from '@herald/contract';
import { ApplicationService } from '@herald/domain';
import type { AccessToken } from '@herald/persistence';
import { AccessTokens, RootOnly } from '@herald/platform';

/**
 * Management API keys beyond the bootstrap API token (Herald's own, not Svix's): full access, one
 * application, or read-only. The key is shown once; Herald keeps only its hash. Only the API token
 * manages keys, so a leaked key cannot mint others that outlive its revocation.
 */
@RootOnly()
@Controller('api/v1/auth/api-key')
export class ApiKeyController {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly applications: ApplicationService,
  ) {}

  @Post()
  async create(@Body({ schema: ApiKeyInSchema }) input: ApiKeyIn): Promise<ApiKeyOut> {
    const appId = input.appId ? (await this.applications.get(input.appId)).id : null;
    const { secret, token } = await this.tokens.issueApiKey({ name: input.name, appId, readOnly: input.readOnly ?? false });
    return { ...apiKeyOut(token), key: secret };
  }

  @Get()
  async list(@Query({ schema: ListQuerySchema }) page: ListQuery) {
    return listResponse(await this.tokens.listApiKeys(page), apiKeyOut);
  }

  /** Revoked at once, for every instance; stream tokens minted with it die with it. */
  @Delete(':key_id')
  @HttpCode(204)
  async revoke(@Param('key_id') id: string): Promise<void> {
    await this.tokens.revoke('api-key', id);
  }
}

function apiKeyOut(token: AccessToken): ApiKeyOut {
  return {
    id: token.id,
    name: token.name ?? '',
    appId: token.appId,
    readOnly: token.readOnly,
    createdAt: token.createdAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}
