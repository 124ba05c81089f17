import type { ApiLoaders } from '../services/api-loaders';
import type { Principal } from './principal';

/** The GraphQL context of one request (HTTP) or one subscription operation (graphql-ws). */
export interface ApiContext {
  /** Undefined when no valid key was presented. */
  principal: Principal | undefined;
  /** Per-request DataLoaders: batched and cached for this request only. */
  loaders: ApiLoaders;
}
