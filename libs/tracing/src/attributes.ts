/**
 * Span attribute names. Stable OpenTelemetry semantic conventions come from their package; the messaging
 * ones are still incubating, so they are written out here, as the package advises, rather than imported
 * from its unstable entry point. Herald's own attributes are under `herald.`.
 */
export {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';

export const ATTR_HERALD_APP_ID = 'herald.app.id';
export const ATTR_HERALD_MESSAGE_ID = 'herald.message.id';
export const ATTR_HERALD_EVENT_TYPE = 'herald.event_type';
export const ATTR_HERALD_ENDPOINT_ID = 'herald.endpoint.id';
export const ATTR_HERALD_DELIVERY_ID = 'herald.delivery.id';
/** 1-based number of the scheduled attempt; 0 for a manual resend. */
export const ATTR_HERALD_ATTEMPT = 'herald.attempt';
/** What the attempt came to: succeeded, retrying, exhausted or failed (410 Gone). */
export const ATTR_HERALD_OUTCOME = 'herald.outcome';
