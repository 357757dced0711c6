import { Injectable } from '@nestjs/common';
import {
  AttemptFilter,
  AttemptRepository,
  AttemptStatus,
  Delivery,
  DeliveryFilter,
  DeliveryRepository,
  DeliveryStatus,
  Endpoint,
  Message,
  MessageAttempt,
  Page,
  PageRequest,
} from '@herald/persistence';
import { found, NotFoundError } from '../errors';

/** Svix's per-endpoint message status filter, as the delivery's state; Sending has none (Herald records attempts when they end). */
const DELIVERY_STATUS: Record<AttemptStatus, DeliveryStatus | undefined> = {
  [AttemptStatus.Success]: DeliveryStatus.Succeeded,
  [AttemptStatus.Pending]: DeliveryStatus.Pending,
  [AttemptStatus.Fail]: DeliveryStatus.Failed,
  [AttemptStatus.Sending]: undefined,
  [AttemptStatus.Canceled]: undefined,
};

/** Filters of the per-endpoint delivery state lists: by Svix's message status. */
export type DeliveryStateFilter = Omit<DeliveryFilter, 'status'> & { status?: AttemptStatus };

/** Reads the attempt log and the per-endpoint delivery state of messages. */
@Injectable()
export class AttemptService {
  constructor(
    private readonly attempts: AttemptRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  listByEndpoint(appId: string, endpointId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<MessageAttempt>> {
    return this.attempts.list(appId, { endpointId }, filter, page);
  }

  listByMessage(appId: string, messageId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<MessageAttempt>> {
    return this.attempts.list(appId, { messageId }, filter, page);
  }

  async get(appId: string, messageId: string, attemptId: string): Promise<MessageAttempt> {
    return found(await this.attempts.find(appId, messageId, attemptId), 'Message attempt');
  }

  /** Deletes what the endpoint answered (body and headers); the attempt stays as a record. */
  async expungeContent(appId: string, messageId: string, attemptId: string): Promise<void> {
    if (!(await this.attempts.expungeResponse(appId, messageId, attemptId))) throw new NotFoundError('Message attempt');
  }

  /** The messages attempted to an endpoint, each with its delivery state there (`endpoint/{ep}/msg`). */
  attemptedMessages(
    appId: string,
    endpointId: string,
    filter: DeliveryStateFilter,
    page: PageRequest,
  ): Promise<Page<{ message: Message; delivery: Delivery }>> {
    const status = deliveryStatus(filter);
    return status === null ? emptyPage() : this.deliveries.ofEndpoint(appId, endpointId, { ...filter, status }, page);
  }

  /** The endpoints a message was attempted to, each with its delivery state (`msg/{msg}/endpoint`). */
  attemptedDestinations(
    appId: string,
    messageId: string,
    filter: DeliveryStateFilter,
    page: PageRequest,
  ): Promise<Page<{ endpoint: Endpoint; delivery: Delivery }>> {
    const status = deliveryStatus(filter);
    return status === null ? emptyPage() : this.deliveries.ofMessage(appId, messageId, { ...filter, status }, page);
  }
}

/** The delivery state asked for; null when the status has none, so nothing matches. */
function deliveryStatus({ status }: DeliveryStateFilter): DeliveryStatus | undefined | null {
  return deliveryStatusOf(status);
}

/** Svix's message status as a delivery's state (undefined: any; null: one Herald never has). */
export function deliveryStatusOf(status: AttemptStatus | number | null | undefined): DeliveryStatus | undefined | null {
  if (status === undefined || status === null) return undefined;
  return DELIVERY_STATUS[status as AttemptStatus] ?? null;
}

const emptyPage = async <T>(): Promise<Page<T>> => ({ items: [], iterator: null, prevIterator: null, done: true });
