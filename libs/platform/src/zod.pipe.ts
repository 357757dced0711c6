import { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ValidationFailed } from './api-errors';

/** Validates a request part against a zod schema; a failure is a 422 naming every bad field. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly location: 'body' | 'query' = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new ValidationFailed(
      parsed.error.issues.map((issue) => ({
        loc: [this.location, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
        msg: issue.message,
        type: `value_error.${issue.code}`,
      })),
    );
  }
}
