import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { unauthenticated } from '../errors';
import type { ApiContext } from './api-context';
import type { Principal } from './principal';

/** The authenticated caller (RolesGuard has already refused requests without one). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const { principal } = GqlExecutionContext.create(context).getContext<ApiContext>();
    if (!principal) throw unauthenticated();
    return principal;
  },
);
