import { HttpException, HttpStatus } from '@nestjs/common';

/** One field that failed validation, in Svix's shape: `loc` is the path from the body root. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An error answered with Svix's `{ code, detail }` body. */
export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: string, detail: string | FieldError[]) {
    super({ code, detail }, status);
  }
}

export class ValidationFailed extends ApiError {
  constructor(detail: FieldError[]) {
    super(HttpStatus.UNPROCESSABLE_ENTITY, 'validation', detail);
  }
}
