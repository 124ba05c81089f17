import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The correlator's tables: lineage (artifacts, lineage_edges), alerts, incidents with their membership
 * and subjects, silences, the append-only incident timeline and the incident-event outbox.
 */
export class Correlator1795439051057 implements MigrationInterface {
  name = 'Correlator1795439051057';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alerts" ("alert_id" text NOT NULL, "event_id" text NOT NULL, "stage" text NOT NULL, "detector" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, "score" double precision NOT NULL, "p_value" double precision NOT NULL, "alpha" double precision NOT NULL, "evidence" jsonb NOT NULL, "window_from" TIMESTAMP WITH TIME ZONE NOT NULL, "window_to" TIMESTAMP WITH TIME ZONE NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "input_event_ids" jsonb NOT NULL, "fingerprint" text NOT NULL, "status" text NOT NULL, "silence_id" uuid, "inhibited_by" text, "duplicate_of" text, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_alerts_stage" CHECK ("stage" IN ('data', 'signals', 'representations')), CONSTRAINT "ck_alerts_status" CHECK ("status" IN ('correlated', 'silenced', 'inhibited', 'duplicate')), CONSTRAINT "pk_alerts" PRIMARY KEY ("alert_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_alerts_subject_detector" ON "alerts"  ("subject_kind", "subject_id", "detector") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_alerts_fingerprint" ON "alerts"  ("fingerprint") `);
    await queryRunner.query(
      `CREATE TABLE "artifacts" ("kind" text NOT NULL, "id" text NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_artifacts_kind" CHECK ("kind" IN ('model', 'dataset', 'run', 'edit')), CONSTRAINT "pk_artifacts" PRIMARY KEY ("kind", "id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "incidents" ("id" text NOT NULL, "status" text NOT NULL, "announced" boolean NOT NULL DEFAULT false, "severity" double precision NOT NULL, "stages" text array NOT NULL, "detector_min_p" jsonb NOT NULL, "alert_count" integer NOT NULL, "first_alert_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_alert_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "merged_into" text, "resolved_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL, CONSTRAINT "ck_incidents_status" CHECK ("status" IN ('open', 'merged', 'resolved')), CONSTRAINT "pk_incidents" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incidents_status_announced" ON "incidents"  ("status", "announced") `,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_alerts" ("alert_id" text NOT NULL, "incident_id" text NOT NULL, "added_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_incident_alerts" PRIMARY KEY ("alert_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incident_alerts_incident" ON "incident_alerts"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_outbox" ("seq" BIGSERIAL NOT NULL, "event_id" text NOT NULL, "incident_id" text NOT NULL, "payload" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_incident_outbox" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incident_outbox_pending" ON "incident_outbox"  ("seq") WHERE "published_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ix_incident_outbox_event_id" ON "incident_outbox"  ("event_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_subjects" ("incident_id" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, CONSTRAINT "pk_incident_subjects" PRIMARY KEY ("incident_id", "subject_kind", "subject_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incident_subjects_subject" ON "incident_subjects"  ("subject_kind", "subject_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_timeline" ("seq" BIGSERIAL NOT NULL, "incident_id" text NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "kind" text NOT NULL, "actor" text NOT NULL, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "pk_incident_timeline" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_incident_timeline_incident" ON "incident_timeline"  ("incident_id", "seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "lineage_edges" ("from_kind" text NOT NULL, "from_id" text NOT NULL, "to_kind" text NOT NULL, "to_id" text NOT NULL, "relation" text NOT NULL, "event_id" text NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_lineage_edges_relation" CHECK ("relation" IN ('generated', 'trained', 'rewarded', 'produced', 'edited')), CONSTRAINT "pk_lineage_edges" PRIMARY KEY ("from_kind", "from_id", "to_kind", "to_id", "relation"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_lineage_edges_to" ON "lineage_edges"  ("to_kind", "to_id") `);
    await queryRunner.query(
      `CREATE TABLE "silences" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "detector" text, "subject_kind" text, "subject_id" text, "stage" text, "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL, "author" text NOT NULL, "comment" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_silences_period" CHECK ("ends_at" > "starts_at"), CONSTRAINT "ck_silences_has_matcher" CHECK ("detector" IS NOT NULL OR "subject_kind" IS NOT NULL OR "subject_id" IS NOT NULL OR "stage" IS NOT NULL), CONSTRAINT "pk_silences" PRIMARY KEY ("id"))`,
    );
    // The timeline is an audit log: rows are added, never changed or removed (TRUNCATE, a deliberate
    // administrative act, is not a row operation and stays possible).
    await queryRunner.query(`CREATE FUNCTION "incident_timeline_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'incident_timeline is append-only: % refused', TG_OP;
      END
    $$`);
    await queryRunner.query(
      `CREATE TRIGGER "tr_incident_timeline_append_only" BEFORE UPDATE OR DELETE ON "incident_timeline" FOR EACH ROW EXECUTE FUNCTION "incident_timeline_append_only"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "silences"`);
    await queryRunner.query(`DROP INDEX "public"."ix_lineage_edges_to"`);
    await queryRunner.query(`DROP TABLE "lineage_edges"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_timeline_incident"`);
    await queryRunner.query(`DROP TRIGGER "tr_incident_timeline_append_only" ON "incident_timeline"`);
    await queryRunner.query(`DROP FUNCTION "incident_timeline_append_only"()`);
    await queryRunner.query(`DROP TABLE "incident_timeline"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_subjects_subject"`);
    await queryRunner.query(`DROP TABLE "incident_subjects"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_outbox_event_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_outbox_pending"`);
    await queryRunner.query(`DROP TABLE "incident_outbox"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incident_alerts_incident"`);
    await queryRunner.query(`DROP TABLE "incident_alerts"`);
    await queryRunner.query(`DROP INDEX "public"."ix_incidents_status_announced"`);
    await queryRunner.query(`DROP TABLE "incidents"`);
    await queryRunner.query(`DROP TABLE "artifacts"`);
    await queryRunner.query(`DROP INDEX "public"."ix_alerts_fingerprint"`);
    await queryRunner.query(`DROP INDEX "public"."ix_alerts_subject_detector"`);
    await queryRunner.query(`DROP TABLE "alerts"`);
  }
}
