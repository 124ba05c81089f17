import type { FieldMiddleware } from '@nestjs/graphql';
import type { ApiRole } from '@damon/persistence';
import type { ApiContext } from './api-context';
import { roleAtLeast } from './role';

/**
 * Keys of timeline `details` that name people: assignIncident writes `assignee`, every audited
 * mutation the acting key's `keyId` (which points at its holder).
 */
export const NAME_DETAIL_KEYS: readonly string[] = ['assignee', 'keyId', 'actor', 'author'];

/**
 * Field middleware for JSON fields that may hold people's names: below `role` the name keys are
 * left out (the rest of the entry stays readable), at or above it the value passes unchanged.
 */
export function redactNamesBelow(role: ApiRole): FieldMiddleware {
  return async (ctx, next) => {
    const value: unknown = await next();
    const { principal } = ctx.context as ApiContext;
    if (principal && roleAtLeast(principal.role, role)) return value;
    return withoutNames(value);
  };
}

export function withoutNames(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !NAME_DETAIL_KEYS.includes(key)));
}
