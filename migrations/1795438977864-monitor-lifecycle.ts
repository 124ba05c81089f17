import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Baseline lifecycle of the stage monitors: subject phase, buffered reference, per-subject settings. */
export class MonitorLifecycle1795438977864 implements MigrationInterface {
  name = 'MonitorLifecycle1795438977864';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "monitor_reference_batches" ("stage" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, "seq" integer NOT NULL, "event_id" text NOT NULL, "items" integer NOT NULL, "payload" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_monitor_reference_batches" PRIMARY KEY ("stage", "subject_kind", "subject_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "monitor_settings" ("stage" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, "settings" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_monitor_settings" PRIMARY KEY ("stage", "subject_kind", "subject_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "monitor_subjects" ("stage" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, "phase" text NOT NULL, "reference_items" integer NOT NULL DEFAULT '0', "baseline_version" integer NOT NULL DEFAULT '0', "fit_count" integer NOT NULL DEFAULT '0', "fitted_at" TIMESTAMP WITH TIME ZONE, "stream_state" jsonb NOT NULL DEFAULT '{}', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_monitor_subjects_phase" CHECK ("phase" IN ('learning', 'monitoring')), CONSTRAINT "pk_monitor_subjects" PRIMARY KEY ("stage", "subject_kind", "subject_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "monitor_subjects"`);
    await queryRunner.query(`DROP TABLE "monitor_settings"`);
    await queryRunner.query(`DROP TABLE "monitor_reference_batches"`);
  }
}
