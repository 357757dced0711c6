import { Injectable } from '@nestjs/common';
import { Endpoint, OPERATIONAL_APP_ID, Page, PageRequest } from '@herald/persistence';
import { currentSecret } from '@herald/signing';
import { EndpointInput, EndpointService, EndpointSettings, SecretRotation } from '../endpoints/endpoint.service';

/** An operational endpoint's settings: an endpoint's, less what Svix's operational endpoints lack. */
export type OperationalEndpointSettings = Omit<EndpointSettings, 'version' | 'channels'>;
export type OperationalEndpointInput = Omit<EndpointInput, 'version' | 'channels'>;

/**
 * Svix's operational webhook endpoints: where Herald sends its events about itself (OperationalWebhooks). They are
 * the endpoints of the operational application, so they get every endpoint's behaviour (uids, upsert, secret
 * rotation with a grace period, custom headers, rate limit, health) from EndpointService.
 */
@Injectable()
export class OperationalEndpoints {
  constructor(private readonly endpoints: EndpointService) {}

  list(page: PageRequest): Promise<Page<Endpoint>> {
    return this.endpoints.list(OPERATIONAL_APP_ID, page);
  }

  create(input: OperationalEndpointInput): Promise<Endpoint> {
    return this.endpoints.create(OPERATIONAL_APP_ID, input);
  }

  get(idOrUid: string): Promise<Endpoint> {
    return this.endpoints.get(OPERATIONAL_APP_ID, idOrUid);
  }

  /** PUT: replaces the settings, or creates the endpoint with the path id as its uid. */
  update(idOrUid: string, input: OperationalEndpointSettings): Promise<{ endpoint: Endpoint; created: boolean }> {
    return this.endpoints.update(OPERATIONAL_APP_ID, idOrUid, input);
  }

  delete(idOrUid: string): Promise<void> {
    return this.endpoints.delete(OPERATIONAL_APP_ID, idOrUid);
  }

  async secret(idOrUid: string): Promise<string> {
    return currentSecret((await this.get(idOrUid)).secrets);
  }

  rotateSecret(idOrUid: string, rotation: SecretRotation): Promise<void> {
    return this.endpoints.rotateSecret(OPERATIONAL_APP_ID, idOrUid, rotation);
  }

  headers(idOrUid: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    return this.endpoints.headers(OPERATIONAL_APP_ID, idOrUid);
  }

  replaceHeaders(idOrUid: string, headers: Record<string, string>): Promise<void> {
    return this.endpoints.replaceHeaders(OPERATIONAL_APP_ID, idOrUid, headers);
  }
}
