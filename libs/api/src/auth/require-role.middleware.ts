import type { FieldMiddleware } from '@nestjs/graphql';
import type { ApiRole } from '@damon/persistence';
import { forbidden, unauthenticated } from '../errors';
import type { ApiContext } from './api-context';
import { roleAtLeast } from './role';

/** Field middleware for sensitive fields (people's names): FORBIDDEN below `role`. */
export function requireRole(role: ApiRole): FieldMiddleware {
  return (ctx, next) => {
    const { principal } = ctx.context as ApiContext;
    if (!principal) throw unauthenticated();
    if (!roleAtLeast(principal.role, role)) throw forbidden(role, principal.role);
    return next();
  };
}
