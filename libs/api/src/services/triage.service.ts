import { Inject, Injectable } from '@nestjs/common';
import type { TriageChange } from '@damon/contracts';
import { changeIncidentStatus, lockFusion } from '@damon/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { conflict, notFound } from '../errors';
import { checkId, checkText } from '../graphql/input-checks';
import type { CommentModel } from '../models/comment.model';
import type { Verdict } from '../models/enums';
import type { IncidentModel } from '../models/incident.model';
import { API_DATA_SOURCE } from '../tokens';
import { AuditService } from './audit.service';
import { IncidentEventOutbox } from './incident-event.outbox';
import { IncidentQueryService } from './incident-query.service';
import { selectRows } from './sql';

const MAX_NOTE = 2000;
const MAX_COMMENT = 10_000;

/**
 * People's decisions about incidents. Each one is audited in the incident timeline with its actor
 * and announced on damon.incidents (schemaVersion 2, `triage` without names) through the outbox.
 */
@Injectable()
export class TriageService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly incidents: IncidentQueryService,
    private readonly outbox: IncidentEventOutbox,
  ) {}

  async acknowledge(id: string, actor: Principal): Promise<IncidentModel> {
    return this.triage(id, async (manager) => {
      const [row] = await selectRows<{ first: boolean }>(
        manager,
        `INSERT INTO incident_triage (incident_id, acknowledged_at, acknowledged_by) VALUES ($1, now(), $2)
         ON CONFLICT (incident_id) DO UPDATE SET
           acknowledged_at = COALESCE(incident_triage.acknowledged_at, EXCLUDED.acknowledged_at),
           acknowledged_by = COALESCE(incident_triage.acknowledged_by, EXCLUDED.acknowledged_by),
           updated_at = now()
         RETURNING acknowledged_by = $2 AND acknowledged_at = now() AS first`,
        [id, actor.name],
      );
      const entry = await this.audit.incident(manager, id, 'acknowledged', actor, {
        alreadyAcknowledged: !row.first,
      });
      return { action: 'acknowledged', entry };
    });
  }

  async assign(id: string, assignee: string | null | undefined, actor: Principal): Promise<IncidentModel> {
    const value = assignee == null || assignee === '' ? null : checkText('assignee', assignee, 256);
    return this.triage(id, async (manager) => {
      await manager.query(
        `INSERT INTO incident_triage (incident_id, assignee) VALUES ($1, $2)
         ON CONFLICT (incident_id) DO UPDATE SET assignee = EXCLUDED.assignee, updated_at = now()`,
        [id, value],
      );
      const entry = await this.audit.incident(manager, id, 'assigned', actor, { assignee: value });
      return { action: 'assigned', assigned: value !== null, entry };
    });
  }

  async setVerdict(
    id: string,
    verdict: Verdict,
    note: string | null | undefined,
    actor: Principal,
  ): Promise<IncidentModel> {
    const text = note == null ? null : checkText('note', note, MAX_NOTE, { allowEmpty: true });
    return this.triage(id, async (manager) => {
      const [previous] = await selectRows<{ verdict: string | null }>(
        manager,
        `SELECT verdict FROM incident_triage WHERE incident_id = $1`,
        [id],
      );
      await manager.query(
        `INSERT INTO incident_triage (incident_id, verdict, verdict_note, verdict_by, verdict_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (incident_id) DO UPDATE SET verdict = EXCLUDED.verdict, verdict_note = EXCLUDED.verdict_note,
           verdict_by = EXCLUDED.verdict_by, verdict_at = EXCLUDED.verdict_at, updated_at = now()`,
        [id, verdict, text, actor.name],
      );
      const entry = await this.audit.incident(manager, id, 'verdict', actor, {
        verdict,
        note: text,
        previous: previous?.verdict ?? null,
      });
      return { action: 'verdict', verdict, entry };
    });
  }

  async addComment(id: string, body: string, actor: Principal): Promise<CommentModel> {
    checkId('id', id);
    checkText('body', body, MAX_COMMENT);
    const { comment, eventIds } = await this.dataSource.transaction(async (manager) => {
      await this.lockIncident(manager, id);
      const entry = await this.audit.incident(manager, id, 'comment', actor, { body });
      return {
        comment: { id: entry.seq, incidentId: id, at: entry.at, body, author: actor.name },
        eventIds: await this.announce(manager, id, { action: 'comment' }, entry.seq),
      };
    });
    await this.outbox.publish(eventIds);
    return comment;
  }

  async resolve(id: string, comment: string | null | undefined, actor: Principal): Promise<IncidentModel> {
    return this.changeStatus(id, 'open', 'resolved', comment, actor);
  }

  async reopen(id: string, comment: string | null | undefined, actor: Principal): Promise<IncidentModel> {
    return this.changeStatus(id, 'resolved', 'open', comment, actor);
  }

  private async changeStatus(
    id: string,
    from: 'open' | 'resolved',
    to: 'open' | 'resolved',
    comment: string | null | undefined,
    actor: Principal,
  ): Promise<IncidentModel> {
    checkId('id', id);
    const text = comment == null ? '' : checkText('comment', comment, MAX_NOTE, { allowEmpty: true });
    const action = to === 'resolved' ? 'resolved' : 'reopened';
    const eventIds = await this.dataSource.transaction(async (manager) => {
      await lockFusion(manager);
      const status = await this.lockIncident(manager, id);
      if (status !== from) throw conflict(`incident ${id} is ${status}, not ${from}`);
      const changed = await changeIncidentStatus(manager, id, from, to, new Date());
      if (!changed) throw conflict(`incident ${id} is not ${from}`);
      const entry = await this.audit.incident(manager, id, action, actor, { comment: text });
      // An incident still inside its group_wait was never announced as opened: its resolution is a
      // triage change like the others, not a `resolved` event downstream consumers would act on.
      if (!changed.announced) return this.announce(manager, id, { action }, entry.seq);
      return this.outbox.enqueue(manager, [
        {
          incidentId: id,
          change: to === 'resolved' ? 'resolved' : 'updated',
          triage: { change: { action }, timelineSeq: entry.seq },
        },
      ]);
    });
    await this.outbox.publish(eventIds);
    return this.reload(id);
  }

  /**
   * Runs a triage change in a transaction holding the incident's row lock, announces it through the
   * outbox, then returns the incident.
   */
  private async triage(
    id: string,
    change: (manager: EntityManager) => Promise<TriageChange & { entry: { seq: string } }>,
  ): Promise<IncidentModel> {
    checkId('id', id);
    const eventIds = await this.dataSource.transaction(async (manager) => {
      await this.lockIncident(manager, id);
      const { entry, ...triage } = await change(manager);
      return this.announce(manager, id, triage, entry.seq);
    });
    await this.outbox.publish(eventIds);
    return this.reload(id);
  }

  private announce(
    manager: EntityManager,
    incidentId: string,
    change: TriageChange,
    timelineSeq: string,
  ): Promise<string[]> {
    return this.outbox.enqueue(manager, [{ incidentId, change: 'triaged', triage: { change, timelineSeq } }]);
  }

  /** Locks the incident row (serialising concurrent triage of one incident); its status, or NOT_FOUND. */
  private async lockIncident(manager: EntityManager, id: string): Promise<string> {
    const [row] = await selectRows<{ status: string }>(
      manager,
      `SELECT status FROM incidents WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw notFound('incident', id);
    return row.status;
  }

  private async reload(id: string): Promise<IncidentModel> {
    const incident = await this.incidents.byId(id);
    if (!incident) throw notFound('incident', id);
    return incident;
  }
}
