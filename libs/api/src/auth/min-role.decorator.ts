import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from '@damon/persistence';

export const MIN_ROLE_KEY = 'damon:min-role';

/** The least role allowed to run a query, mutation or subscription (default: viewer). */
export const MinRole = (role: ApiRole): MethodDecorator & ClassDecorator => SetMetadata(MIN_ROLE_KEY, role);
