import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type {
  CreateNotificationReceiverInput,
  CreateNotificationRouteInput,
  UpdateNotificationReceiverInput,
} from '../dto/notification.input';
import { badUserInput, notFound } from '../errors';
import { checkFinite, checkFirst, checkId, checkText } from '../graphql/input-checks';
import type { ArtifactKind, Stage } from '../models/enums';
import {
  NotificationDeliveryStatus,
  NotificationReceiverKind,
  type NotificationDeliveryModel,
  type NotificationReceiverModel,
  type NotificationRouteModel,
} from '../models/notification.model';
import { API_DATA_SOURCE } from '../tokens';
import { AuditService } from './audit.service';
import { selectRows, type Queryable } from './sql';

const MAX_DELIVERIES = 500;
const MAX_SUBJECTS = 100;
const MAX_REPEAT_SECONDS = 30 * 24 * 60 * 60;

interface ReceiverRow {
  id: string;
  name: string;
  kind: NotificationReceiverKind;
  url: string;
  has_secret: boolean;
  created_at: Date;
  updated_at: Date;
}

interface RouteRow {
  id: string;
  name: string;
  receiver_id: string;
  receiver_name: string;
  min_severity: number;
  stages: Stage[];
  subjects: { kind: ArtifactKind; id?: string }[];
  repeat_interval_seconds: number | null;
  send_resolved: boolean;
  created_at: Date;
}

interface DeliveryRow {
  seq: string;
  idempotency_key: string;
  dedup_key: string;
  incident_id: string;
  change: string;
  receiver_id: string;
  receiver_name: string;
  status: NotificationDeliveryStatus;
  attempts: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const RECEIVER_COLUMNS = `id, name, kind, url, secret IS NOT NULL AS has_secret, created_at, updated_at`;
const ROUTE_SELECT = `SELECT r.id, r.name, r.receiver_id, rc.name AS receiver_name, r.min_severity, r.stages, r.subjects,
    r.repeat_interval_seconds, r.send_resolved, r.created_at
  FROM notification_routes r JOIN notification_receivers rc ON rc.id = r.receiver_id`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Notification receivers and routes (admin; every change audited in api_audit_log, secrets never
 * returned nor audited) and the deliveries the correlator's sender records.
 */
@Injectable()
export class NotificationService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async receivers(): Promise<NotificationReceiverModel[]> {
    const rows = await selectRows<ReceiverRow>(
      this.dataSource,
      `SELECT ${RECEIVER_COLUMNS} FROM notification_receivers ORDER BY name`,
    );
    return rows.map(toReceiver);
  }

  async routes(): Promise<NotificationRouteModel[]> {
    const rows = await selectRows<RouteRow>(this.dataSource, `${ROUTE_SELECT} ORDER BY r.created_at, r.id`);
    return rows.map(toRoute);
  }

  async deliveries(
    filter: {
      status?: NotificationDeliveryStatus | null;
      incidentId?: string | null;
      receiverId?: string | null;
    },
    first: number,
  ): Promise<NotificationDeliveryModel[]> {
    checkFirst('first', first, MAX_DELIVERIES);
    if (filter.incidentId != null) checkId('incidentId', filter.incidentId);
    if (filter.receiverId != null) checkUuid('receiverId', filter.receiverId);
    const rows = await selectRows<DeliveryRow>(
      this.dataSource,
      `SELECT o.seq, o.idempotency_key, o.dedup_key, o.incident_id, o.change, o.receiver_id, rc.name AS receiver_name, o.status,
         o.attempts, o.last_attempt_at, o.next_attempt_at, o.last_status_code, o.last_error, o.delivered_at, o.created_at
       FROM notification_outbox o JOIN notification_receivers rc ON rc.id = o.receiver_id
       WHERE ($1::text IS NULL OR o.status = $1) AND ($2::text IS NULL OR o.incident_id = $2)
         AND ($3::uuid IS NULL OR o.receiver_id = $3)
       ORDER BY o.seq DESC LIMIT $4`,
      [filter.status ?? null, filter.incidentId ?? null, filter.receiverId ?? null, first],
    );
    return rows.map(toDelivery);
  }

  async createReceiver(
    input: CreateNotificationReceiverInput,
    actor: Principal,
  ): Promise<NotificationReceiverModel> {
    const name = checkText('input.name', input.name, 128);
    const url = checkUrl('input.url', input.url);
    const secret = checkSecret('input.secret', input.kind, input.secret);
    return this.dataSource.transaction(async (manager) => {
      await this.nameFree(manager, 'notification_receivers', name, null, 'input.name');
      const [row] = await selectRows<ReceiverRow>(
        manager,
        `INSERT INTO notification_receivers (name, kind, url, secret) VALUES ($1, $2, $3, $4) RETURNING ${RECEIVER_COLUMNS}`,
        [name, input.kind, url, secret],
      );
      await this.audit.other(manager, 'createNotificationReceiver', receiverTarget(row.id), actor, {
        name,
        kind: input.kind,
        url: shownUrl(input.kind, url),
        secretSet: secret !== null,
      });
      return toReceiver(row);
    });
  }

  async updateReceiver(
    id: string,
    input: UpdateNotificationReceiverInput,
    actor: Principal,
  ): Promise<NotificationReceiverModel> {
    checkUuid('id', id);
    const name = input.name == null ? null : checkText('input.name', input.name, 128);
    const url = input.url == null ? null : checkUrl('input.url', input.url);
    if (name === null && url === null && input.secret == null) throw badUserInput('input', 'changes nothing');
    return this.dataSource.transaction(async (manager) => {
      const [before] = await selectRows<ReceiverRow>(
        manager,
        `SELECT ${RECEIVER_COLUMNS} FROM notification_receivers WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!before) throw notFound('notification receiver', id);
      const secret = input.secret == null ? null : checkSecret('input.secret', before.kind, input.secret);
      if (name !== null) await this.nameFree(manager, 'notification_receivers', name, id, 'input.name');
      const [row] = await selectRows<ReceiverRow>(
        manager,
        // Through a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
        `WITH changed AS (
           UPDATE notification_receivers SET name = coalesce($2, name), url = coalesce($3, url), secret = coalesce($4, secret),
             updated_at = now() WHERE id = $1 RETURNING *
         ) SELECT ${RECEIVER_COLUMNS} FROM changed`,
        [id, name, url, secret],
      );
      await this.audit.other(manager, 'updateNotificationReceiver', receiverTarget(id), actor, {
        before: { name: before.name, url: shownUrl(before.kind, before.url) },
        after: { name: row.name, url: shownUrl(row.kind, row.url) },
        secretChanged: secret !== null,
      });
      return toReceiver(row);
    });
  }

  /** Deletes the receiver, its routes and its deliveries. */
  async deleteReceiver(id: string, actor: Principal): Promise<boolean> {
    checkUuid('id', id);
    return this.dataSource.transaction(async (manager) => {
      const [row] = await selectRows<ReceiverRow>(
        manager,
        `WITH gone AS (DELETE FROM notification_receivers WHERE id = $1 RETURNING *) SELECT ${RECEIVER_COLUMNS} FROM gone`,
        [id],
      );
      if (!row) throw notFound('notification receiver', id);
      await this.audit.other(manager, 'deleteNotificationReceiver', receiverTarget(id), actor, {
        name: row.name,
        kind: row.kind,
      });
      return true;
    });
  }

  async createRoute(input: CreateNotificationRouteInput, actor: Principal): Promise<NotificationRouteModel> {
    const name = checkText('input.name', input.name, 128);
    checkUuid('input.receiverId', input.receiverId);
    const minSeverity = input.minSeverity == null ? 0 : checkFinite('input.minSeverity', input.minSeverity);
    if (minSeverity < 0) throw badUserInput('input.minSeverity', 'must be at least 0');
    const stages = [...new Set(input.stages ?? [])];
    const subjects = input.subjects ?? [];
    if (subjects.length > MAX_SUBJECTS) throw badUserInput('input.subjects', `at most ${MAX_SUBJECTS}`);
    const matchers = subjects.map((s, i) =>
      s.id == null ? { kind: s.kind } : { kind: s.kind, id: checkId(`input.subjects.${i}.id`, s.id) },
    );
    const repeat = input.repeatIntervalSeconds ?? null;
    if (repeat !== null && (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT_SECONDS))
      throw badUserInput('input.repeatIntervalSeconds', `must be an integer in [1, ${MAX_REPEAT_SECONDS}]`);
    const sendResolved = input.sendResolved ?? true;
    return this.dataSource.transaction(async (manager) => {
      const [receiver] = await selectRows<{ id: string }>(
        manager,
        `SELECT id FROM notification_receivers WHERE id = $1 FOR SHARE`,
        [input.receiverId],
      );
      if (!receiver) throw badUserInput('input.receiverId', `no receiver ${input.receiverId}`);
      await this.nameFree(manager, 'notification_routes', name, null, 'input.name');
      const [{ id }] = await selectRows<{ id: string }>(
        manager,
        `INSERT INTO notification_routes (name, receiver_id, min_severity, stages, subjects, repeat_interval_seconds, send_resolved)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7) RETURNING id`,
        [
          name,
          input.receiverId,
          minSeverity,
          JSON.stringify(stages),
          JSON.stringify(matchers),
          repeat,
          sendResolved,
        ],
      );
      const [row] = await selectRows<RouteRow>(manager, `${ROUTE_SELECT} WHERE r.id = $1`, [id]);
      await this.audit.other(manager, 'createNotificationRoute', routeTarget(id), actor, {
        name,
        receiverId: input.receiverId,
        minSeverity,
        stages,
        subjects: matchers,
        repeatIntervalSeconds: repeat,
        sendResolved,
      });
      return toRoute(row);
    });
  }

  async deleteRoute(id: string, actor: Principal): Promise<boolean> {
    checkUuid('id', id);
    return this.dataSource.transaction(async (manager) => {
      const [row] = await selectRows<{ name: string }>(
        manager,
        `WITH gone AS (DELETE FROM notification_routes WHERE id = $1 RETURNING name) SELECT name FROM gone`,
        [id],
      );
      if (!row) throw notFound('notification route', id);
      await this.audit.other(manager, 'deleteNotificationRoute', routeTarget(id), actor, { name: row.name });
      return true;
    });
  }

  private async nameFree(db: Queryable, table: string, name: string, exceptId: string | null, field: string) {
    const [taken] = await selectRows<{ id: string }>(
      db,
      `SELECT id FROM ${table} WHERE name = $1 AND ($2::uuid IS NULL OR id <> $2)`,
      [name, exceptId],
    );
    if (taken) throw badUserInput(field, `"${name}" is taken`);
  }
}

function checkUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw badUserInput(field, 'must be a UUID');
  return value;
}

/** An absolute http(s) URL without credentials. */
function checkUrl(field: string, value: string): string {
  checkText(field, value, 2048);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badUserInput(field, 'must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badUserInput(field, 'must be an http or https URL');
  if (url.username || url.password) throw badUserInput(field, 'must not carry credentials (use the secret)');
  return url.toString();
}

function checkSecret(
  field: string,
  kind: NotificationReceiverKind,
  secret: string | null | undefined,
): string | null {
  if (secret == null) {
    if (kind === NotificationReceiverKind.WEBHOOK)
      throw badUserInput(field, 'a webhook needs a secret to sign with');
    return null;
  }
  checkText(field, secret, 512);
  if (secret.length < 16) throw badUserInput(field, 'must be at least 16 characters');
  return secret;
}

/** A Slack incoming webhook's path is its credential: only the origin is shown. */
function shownUrl(kind: NotificationReceiverKind, url: string): string {
  return kind === NotificationReceiverKind.SLACK ? `${new URL(url).origin}/…` : url;
}

function receiverTarget(id: string): { kind: string; id: string } {
  return { kind: 'notification_receiver', id };
}

function routeTarget(id: string): { kind: string; id: string } {
  return { kind: 'notification_route', id };
}

function toReceiver(r: ReceiverRow): NotificationReceiverModel {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    url: shownUrl(r.kind, r.url),
    hasSecret: r.has_secret,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRoute(r: RouteRow): NotificationRouteModel {
  return {
    id: r.id,
    name: r.name,
    receiverId: r.receiver_id,
    receiverName: r.receiver_name,
    minSeverity: r.min_severity,
    stages: r.stages,
    subjects: r.subjects.map((s) => ({ kind: s.kind, id: s.id ?? null })),
    repeatIntervalSeconds: r.repeat_interval_seconds,
    sendResolved: r.send_resolved,
    createdAt: r.created_at,
  };
}

function toDelivery(r: DeliveryRow): NotificationDeliveryModel {
  return {
    id: r.seq,
    idempotencyKey: r.idempotency_key,
    dedupKey: r.dedup_key,
    incidentId: r.incident_id,
    change: r.change,
    receiverId: r.receiver_id,
    receiverName: r.receiver_name,
    status: r.status,
    attempts: r.attempts,
    lastAttemptAt: r.last_attempt_at,
    nextAttemptAt: r.status === NotificationDeliveryStatus.PENDING ? r.next_attempt_at : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
  };
}
