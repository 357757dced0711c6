import { All, Controller, HttpStatus, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiError } from '@herald/platform';

/** Why each Svix product or feature Herald does not offer answers as it does. */
const NOT_OFFERED = {
  streaming:
    "Svix's Streaming API (streams, sinks, stream event types) is not part of Herald. Herald's live delivery stream is GET /api/v1/stream with Accept: text/event-stream",
  ingest: "Svix's Ingest API (sources and their endpoints) is not part of Herald",
  transformations: 'Transformations are not part of Herald: endpoints receive the payload as it was sent',
  polling: 'Polling endpoints are not part of Herald: deliveries are pushed to endpoints',
  connectors: 'Connectors are not part of Herald',
  destinations: "Destinations (Svix's non-HTTP sinks) are not part of Herald",
  autoconfig: 'Endpoint auto-configuration is not part of Herald',
};

function notOffered(what: keyof typeof NOT_OFFERED): never {
  throw new ApiError(HttpStatus.NOT_FOUND, 'not_supported', NOT_OFFERED[what]);
}

/**
 * Svix's SDKs have methods for products Herald does not offer. Each answers at once with a Svix-shaped
 * error that says so (a 4xx: the SDKs do not retry those), rather than a bare 404 or, worse, a hang.
 */
@ApiExcludeController()
@Controller()
export class NotSupportedController {
  @All(['api/v1/stream/*', 'api/v1/auth/stream-portal-access/*', 'api/v1/auth/stream-logout', 'api/v1/auth/stream/*'])
  streaming(): never {
    notOffered('streaming');
  }

  /** Creating a stream; GET on this path is Herald's live stream (StreamController). */
  @Post('api/v1/stream')
  createStream(): never {
    notOffered('streaming');
  }

  @All(['ingest/api/v1', 'ingest/api/v1/*'])
  ingest(): never {
    notOffered('ingest');
  }

  @All('api/v1/app/:app_id/endpoint/:endpoint_id/transformation')
  transformations(): never {
    notOffered('transformations');
  }

  @All('api/v1/app/:app_id/poller/*')
  polling(): never {
    notOffered('polling');
  }

  @All(['api/v1/connector', 'api/v1/connector/*'])
  connectors(): never {
    notOffered('connectors');
  }

  @All(['api/v1/app/:app_id/destination', 'api/v1/app/:app_id/destination/*'])
  destinations(): never {
    notOffered('destinations');
  }

  @All(['api/v1/app/:app_id/autoconfig', 'api/v1/app/:app_id/autoconfig/*'])
  autoconfig(): never {
    notOffered('autoconfig');
  }
}
