import { Injectable } from '@nestjs/common';
import { AlertQueryService } from '../services/alert-query.service';
import { ApiLoaders } from '../services/api-loaders';
import { ArtifactService } from '../services/artifact.service';
import { FlaggedItemsService } from '../services/flagged-items.service';
import { IncidentDetailService } from '../services/incident-detail.service';
import { IncidentQueryService } from '../services/incident-query.service';
import { unauthenticated } from '../errors';
import type { ApiContext } from './api-context';
import { keyFromAuthorization } from './api-key-format';
import { ApiKeyService } from './api-key.service';
import type { Principal } from './principal';

interface HttpContextArgument {
  req: { headers: Record<string, string | string[] | undefined> };
}

interface WsContextArgument {
  connectionParams?: Readonly<Record<string, unknown>>;
}

/**
 * Builds each request's context: the principal from the API key (HTTP `Authorization: Bearer <key>`
 * or `X-Api-Key`; graphql-ws `connectionParams.authorization` or `apiKey`) and fresh DataLoaders.
 * Apollo builds the context before it parses and validates: a request without a valid key is
 * refused here, before any depth or complexity rule spends CPU on its document.
 */
@Injectable()
export class ApiContextFactory {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly incidents: IncidentQueryService,
    private readonly details: IncidentDetailService,
    private readonly alerts: AlertQueryService,
    private readonly artifacts: ArtifactService,
    private readonly flagged: FlaggedItemsService,
  ) {}

  async create(argument: unknown): Promise<ApiContext> {
    const principal = await this.authenticate(argument);
    if (!principal) throw unauthenticated();
    const loaders = new ApiLoaders({
      incidents: this.incidents,
      details: this.details,
      alerts: this.alerts,
      artifacts: this.artifacts,
      flagged: this.flagged,
    });
    return { principal, loaders };
  }

  /** The principal of an HTTP request or a graphql-ws connection, or undefined without a valid key. */
  authenticate(argument: unknown): Promise<Principal | undefined> {
    return this.keys.authenticate(presentedKey(argument));
  }
}

function presentedKey(argument: unknown): string | undefined {
  if (typeof argument !== 'object' || argument === null) return undefined;
  if ('req' in argument) {
    const { headers } = (argument as HttpContextArgument).req;
    return keyFromAuthorization(single(headers.authorization)) ?? single(headers['x-api-key']);
  }
  const params = (argument as WsContextArgument).connectionParams;
  if (params) {
    const authorization = params.authorization ?? params.Authorization;
    if (typeof authorization === 'string') return keyFromAuthorization(authorization);
    if (typeof params.apiKey === 'string') return params.apiKey;
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
