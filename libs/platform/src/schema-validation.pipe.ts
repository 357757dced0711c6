import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailed } from './api-errors';

/**
 * Validates every route parameter declared with a schema (`@Body({ schema })`, `@Query({ schema })`) and
 * hands the handler the parsed value. A failure is a 422 in Svix's shape, naming each bad field by its
 * location. The same schemas feed the OpenAPI document.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, { schema, type, data }: ArgumentMetadata): Promise<unknown> {
    if (!schema) return value;
    const result = await schema['~standard'].validate(value);
    if (!result.issues) return result.value;
    throw new ValidationFailed(
      result.issues.map((issue) => ({
        // A path parameter is named as Svix names it: ['path', 'app_id'].
        loc: [
          ...(type === 'param' ? ['path', data ?? ''] : [type]),
          ...(issue.path ?? []).map((part) => (typeof part === 'object' ? part.key : part)).map((key) => (typeof key === 'symbol' ? String(key) : key)),
        ],
        msg: issue.message,
        type: `value_error.${(issue as { code?: string }).code ?? 'invalid'}`,
      })),
    );
  }
}
