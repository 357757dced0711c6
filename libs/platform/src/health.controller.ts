import { Controller, Get, HttpCode } from '@nestjs/common';
import { Public } from './auth';

/** Liveness, as Svix answers it: 204 with no body. */
@Controller('api/v1/health')
export class HealthController {
  @Get()
  @Public()
  @HttpCode(204)
  health(): void {}
}
