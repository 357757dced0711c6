import type { Endpoint, Message } from '@herald/persistence';

/**
 * Svix's routing rule: an endpoint gets a message when its `filterTypes` (if any) include the event type,
 * and its `channels` (if any) share at least one channel with the message.
 */
export function endpointAccepts(endpoint: Pick<Endpoint, 'disabled' | 'filterTypes' | 'channels'>, message: Pick<Message, 'eventType' | 'channels'>): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.filterTypes?.length && !endpoint.filterTypes.includes(message.eventType)) return false;
  if (endpoint.channels?.length && !endpoint.channels.some((channel) => message.channels?.includes(channel))) return false;
  return true;
}
