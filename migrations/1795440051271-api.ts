import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The GraphQL API's tables: hashed API keys, incident triage (assignee, acknowledgement, verdict), the
 * audit log of non-incident mutations, and the views through which monitors read verdicts back.
 */
export class Api1795440051271 implements MigrationInterface {
  name = 'Api1795440051271';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_audit_log" ("seq" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "action" text NOT NULL, "target_kind" text NOT NULL, "target_id" text NOT NULL, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "pk_api_audit_log" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_api_audit_log_target" ON "api_audit_log"  ("target_kind", "target_id", "seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" text NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_api_keys_role" CHECK ("role" IN ('viewer', 'triager', 'admin')), CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_triage" ("incident_id" text NOT NULL, "assignee" text, "acknowledged_at" TIMESTAMP WITH TIME ZONE, "acknowledged_by" text, "verdict" text, "verdict_note" text, "verdict_by" text, "verdict_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_incident_triage_verdict" CHECK ("verdict" IN ('deceptive', 'benign', 'inconclusive')), CONSTRAINT "pk_incident_triage" PRIMARY KEY ("incident_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incident_triage_verdict" ON "incident_triage"  ("verdict", "incident_id") `,
    );
    // The API's read paths on the correlator's incidents (declared in incident-read-indexes.ts):
    // keyset pages per ordering, and the detector filter (`detector_min_p ? name`).
    await queryRunner.query(`CREATE INDEX "ix_incidents_created_at_id" ON "incidents" ("created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_incidents_severity_id" ON "incidents" ("severity", "id") `);
    await queryRunner.query(
      `CREATE INDEX "ix_incidents_last_alert_at_id" ON "incidents" ("last_alert_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incidents_detector_min_p" ON "incidents" USING gin ("detector_min_p")`,
    );
    // Audit entries are evidence: added, never changed or removed.
    await queryRunner.query(`CREATE FUNCTION "api_audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'api_audit_log is append-only: % refused', TG_OP;
      END
    $$`);
    await queryRunner.query(
      `CREATE TRIGGER "tr_api_audit_log_append_only" BEFORE UPDATE OR DELETE ON "api_audit_log" FOR EACH ROW EXECUTE FUNCTION "api_audit_log_append_only"()`,
    );
    // Verdicts fed back to the monitors: one row per (detector, subject, incident with a verdict)
    // where the incident holds at least one of that detector's alerts on that subject.
    await queryRunner.query(`CREATE VIEW "detector_verdicts" AS
      SELECT DISTINCT a.detector, a.subject_kind, a.subject_id, ia.incident_id, t.verdict, t.verdict_at
      FROM alerts a
      JOIN incident_alerts ia ON ia.alert_id = a.alert_id
      JOIN incident_triage t ON t.incident_id = ia.incident_id
      WHERE t.verdict IS NOT NULL`);
    // precision = deceptive / (deceptive + benign), NULL while no incident has either verdict;
    // inconclusive verdicts are counted but do not enter the ratio.
    await queryRunner.query(`CREATE VIEW "detector_precision" AS
      SELECT detector, subject_kind, subject_id,
        count(*) FILTER (WHERE verdict = 'deceptive')::int AS deceptive,
        count(*) FILTER (WHERE verdict = 'benign')::int AS benign,
        count(*) FILTER (WHERE verdict = 'inconclusive')::int AS inconclusive,
        (count(*) FILTER (WHERE verdict = 'deceptive'))::double precision
          / NULLIF(count(*) FILTER (WHERE verdict IN ('deceptive', 'benign')), 0) AS precision
      FROM detector_verdicts
      GROUP BY detector, subject_kind, subject_id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW "detector_precision"`);
    await queryRunner.query(`DROP VIEW "detector_verdicts"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_triage_verdict"`);
    await queryRunner.query(`DROP TABLE "incident_triage"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP INDEX "public"."ix_api_audit_log_target"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incidents_detector_min_p"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incidents_last_alert_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incidents_severity_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incidents_created_at_id"`);
    await queryRunner.query(`DROP TRIGGER "tr_api_audit_log_append_only" ON "api_audit_log"`);
    await queryRunner.query(`DROP FUNCTION "api_audit_log_append_only"()`);
    await queryRunner.query(`DROP TABLE "api_audit_log"`);
  }
}
