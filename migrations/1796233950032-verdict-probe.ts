import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A probe from verdicts: representation alerts keep their flagged items' activation vectors (bounded
 * per model and layer by the monitor), and the probe fitted per model layer from incidents' verdicts
 * is kept with its cross-validated AUROC and verdict counts.
 */
export class VerdictProbe1796233950032 implements MigrationInterface {
  name = 'VerdictProbe1796233950032';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "flagged_vectors" ("id" BIGSERIAL NOT NULL, "alert_id" text NOT NULL, "subject_kind" text NOT NULL, "subject_id" text NOT NULL, "layer" text NOT NULL, "item_id" text NOT NULL, "dim" integer NOT NULL, "vector" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_flagged_vectors" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_flagged_vectors_alert_layer" ON "flagged_vectors" ("alert_id", "layer") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_flagged_vectors_subject_layer" ON "flagged_vectors" ("subject_kind", "subject_id", "layer", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "verdict_probes" ("subject_kind" text NOT NULL, "subject_id" text NOT NULL, "layer" text NOT NULL, "version" integer NOT NULL, "deceptive_incidents" integer NOT NULL, "benign_incidents" integer NOT NULL, "training_rows" integer NOT NULL, "cv_auroc" double precision NOT NULL, "folds" integer NOT NULL, "deployed" boolean NOT NULL, "state" jsonb NOT NULL, "fitted_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_verdict_probes" PRIMARY KEY ("subject_kind", "subject_id", "layer"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "verdict_probes"`);
    await queryRunner.query(`DROP INDEX "public"."ix_flagged_vectors_subject_layer"`);
    await queryRunner.query(`DROP INDEX "public"."ux_flagged_vectors_alert_layer"`);
    await queryRunner.query(`DROP TABLE "flagged_vectors"`);
  }
}
