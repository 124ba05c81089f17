import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { ApiRole } from '@damon/persistence';
import { forbidden, unauthenticated } from '../errors';
import type { ApiContext } from './api-context';
import { MIN_ROLE_KEY } from './min-role.decorator';
import { roleAtLeast } from './role';

/**
 * Every root field needs a valid key (UNAUTHENTICATED otherwise) and at least the role set by
 * @MinRole on the method or class, viewer by default (FORBIDDEN otherwise).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const required =
      this.reflector.getAllAndOverride<ApiRole | undefined>(MIN_ROLE_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'viewer';
    const { principal } = GqlExecutionContext.create(context).getContext<ApiContext>();
    if (!principal) throw unauthenticated();
    if (!roleAtLeast(principal.role, required)) throw forbidden(required, principal.role);
    return true;
  }
}
