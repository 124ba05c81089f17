import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Bus } from '@damon/bus';
import { validateEvent } from '@damon/contracts';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { LinkArtifactsInput } from '../dto/link-artifacts.input';
import type { RefitBaselineInput } from '../dto/refit-baseline.input';
import { badUserInput } from '../errors';
import { checkId } from '../graphql/input-checks';
import type { LinkArtifactsPayload } from '../models/link-artifacts.payload';
import type { RefitBaselinePayload } from '../models/refit-baseline.payload';
import { API_BUS, API_DATA_SOURCE } from '../tokens';
import { AuditService } from './audit.service';

/**
 * Mutations that are events for other services: lineage links (the correlator records them) and
 * baseline refits (the monitors act on them). The audit entry and the publish share a transaction:
 * a failed publish leaves no audit entry behind.
 */
@Injectable()
export class CommandService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_BUS) private readonly bus: Bus,
    private readonly audit: AuditService,
  ) {}

  async linkArtifacts(input: LinkArtifactsInput, actor: Principal): Promise<LinkArtifactsPayload> {
    checkId('input.from.id', input.from.id);
    checkId('input.to.id', input.to.id);
    const from = { kind: input.from.kind, id: input.from.id };
    const to = { kind: input.to.kind, id: input.to.id };
    const valid = validateEvent('damon.lineage', {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject: to,
      from,
      to,
      relation: input.relation,
    });
    if (!valid.ok) throw badUserInput('input', valid.reason);
    const edge = valid.value;
    await this.dataSource.transaction(async (manager) => {
      await this.audit.other(manager, 'linkArtifacts', { kind: 'lineage_edge', id: edge.eventId }, actor, {
        from,
        to,
        relation: edge.relation,
      });
      await this.bus.publish('damon.lineage', edge);
    });
    return {
      eventId: edge.eventId,
      edge: {
        from: input.from,
        to: input.to,
        relation: input.relation,
        occurredAt: new Date(edge.occurredAt),
      },
    };
  }

  async refitBaseline(input: RefitBaselineInput, actor: Principal): Promise<RefitBaselinePayload> {
    checkId('input.subject.id', input.subject.id);
    const subject = { kind: input.subject.kind, id: input.subject.id };
    const valid = validateEvent('damon.commands', {
      eventId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      subject,
      command: 'baseline.refit',
      ...(input.stage ? { stage: input.stage } : {}),
      requestedBy: actor.name.slice(0, 256),
    });
    if (!valid.ok) throw badUserInput('input', valid.reason);
    const command = valid.value;
    await this.dataSource.transaction(async (manager) => {
      await this.audit.other(
        manager,
        'refitBaseline',
        { kind: 'baseline_command', id: command.eventId },
        actor,
        { subject, stage: input.stage ?? null },
      );
      await this.bus.publish('damon.commands', command);
    });
    return { eventId: command.eventId, subject: input.subject, stage: input.stage ?? null };
  }
}
