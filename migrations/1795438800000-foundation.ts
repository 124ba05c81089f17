import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tables every consumer needs: idempotency records and fitted detector state. */
export class Foundation1795438800000 implements MigrationInterface {
  name = 'Foundation1795438800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "processed_events" (
        "consumer_group" text NOT NULL,
        "event_id" text NOT NULL,
        "processed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_processed_events" PRIMARY KEY ("consumer_group", "event_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "detector_baselines" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "subject_kind" text NOT NULL,
        "subject_id" text NOT NULL,
        "stage" text NOT NULL,
        "detector" text NOT NULL,
        "format_version" integer NOT NULL,
        "state" jsonb NOT NULL,
        "fitted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "pk_detector_baselines" PRIMARY KEY ("id"),
        CONSTRAINT "uq_detector_baselines_subject_stage_detector" UNIQUE ("subject_kind", "subject_id", "stage", "detector"),
        CONSTRAINT "ck_detector_baselines_stage" CHECK ("stage" IN ('data', 'signals', 'representations'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "detector_baselines"`);
    await queryRunner.query(`DROP TABLE "processed_events"`);
  }
}
