import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_PATH = 'api/docs';

/**
 * The OpenAPI document of the routes this process serves, built from the controllers and the same zod
 * schemas that validate requests: the UI at /api/docs, the JSON at /api/docs/openapi.json.
 */
export function serveOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Herald API')
    .setDescription('Svix v1-compatible webhook API (applications, event types, endpoints, messages, attempts) and Herald additions.')
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_PATH, app, document, { jsonDocumentUrl: `${OPENAPI_PATH}/openapi.json`, yamlDocumentUrl: `${OPENAPI_PATH}/openapi.yaml` });
}
