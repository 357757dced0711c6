import { applyDecorators } from '@nestjs/common';
import { ApiResponse, ApiResponseCommonMetadata } from '@nestjs/swagger';

/** The route answers `status` with a body of `schema` (a zod schema from libs/api): its response in the OpenAPI document. */
export const Returns = (schema: NonNullable<ApiResponseCommonMetadata['standardSchema']>, status = 200) =>
  applyDecorators(ApiResponse({ status, standardSchema: schema }));

/** The route answers with no body. */
export const ReturnsNothing = (status = 204) => applyDecorators(ApiResponse({ status, description: 'No content' }));
