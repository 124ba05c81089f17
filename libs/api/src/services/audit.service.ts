import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { selectRows, type Queryable } from './sql';

/**
 * Audit entries, written with the caller's manager so they commit with the change they record:
 * incident mutations go to the incident timeline, everything else to api_audit_log.
 */
@Injectable()
export class AuditService {
  async incident(
    db: Queryable,
    incidentId: string,
    kind: string,
    actor: Principal,
    details: Record<string, unknown>,
  ): Promise<{ seq: string; at: Date }> {
    const [row] = await selectRows<{ seq: string; at: Date }>(
      db,
      `INSERT INTO incident_timeline (incident_id, kind, actor, details) VALUES ($1, $2, $3, $4::jsonb) RETURNING seq, at`,
      [incidentId, kind, actor.name, JSON.stringify({ ...details, keyId: actor.keyId })],
    );
    return row;
  }

  async other(
    db: Queryable,
    action: string,
    target: { kind: string; id: string },
    actor: Principal,
    details: Record<string, unknown>,
  ): Promise<void> {
    await db.query(
      `INSERT INTO api_audit_log (actor, action, target_kind, target_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [actor.name, action, target.kind, target.id, JSON.stringify({ ...details, keyId: actor.keyId })],
    );
  }
}
