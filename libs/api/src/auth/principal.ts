import type { ApiRole } from '@damon/persistence';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  /** The key's name: the actor recorded in audit entries. */
  name: string;
  role: ApiRole;
}
