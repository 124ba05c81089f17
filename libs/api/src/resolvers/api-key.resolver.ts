import { UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { ApiKeyService } from '../auth/api-key.service';
import { MinRole } from '../auth/min-role.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { ApiKeyModel } from '../models/api-key.model';
import { Role } from '../models/enums';

@Resolver(() => ApiKeyModel)
@UseGuards(RolesGuard)
export class ApiKeyResolver {
  constructor(private readonly keys: ApiKeyService) {}

  @Query(() => [ApiKeyModel], { description: 'Every key, revoked ones included. Needs admin.' })
  @MinRole('admin')
  async apiKeys(): Promise<ApiKeyModel[]> {
    const rows = await this.keys.list();
    return rows.map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role as Role,
      createdAt: k.createdAt,
      revokedAt: k.revokedAt,
    }));
  }
}
