import { UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RolesGuard } from '../auth/roles.guard';
import { CallerModel } from '../models/caller.model';
import { Role } from '../models/enums';

@Resolver(() => CallerModel)
@UseGuards(RolesGuard)
export class CallerResolver {
  @Query(() => CallerModel, { description: 'Who is calling: the key’s name and role (any role).' })
  me(@CurrentPrincipal() caller: Principal): CallerModel {
    return { name: caller.name, role: caller.role as Role };
  }
}
