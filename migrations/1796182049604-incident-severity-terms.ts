import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Severity from evidence: the minimum flagged-count p-value per detector (a binomial tail against α)
 * and the terms an incident's severity is the sum of (evidence, flagged count, stages, persistence).
 */
export class IncidentSeverityTerms1796182049604 implements MigrationInterface {
  name = 'IncidentSeverityTerms1796182049604';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "incidents" ADD "detector_min_count_p" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "incidents" ADD "severity_terms" jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "incidents" DROP COLUMN "severity_terms"`);
    await queryRunner.query(`ALTER TABLE "incidents" DROP COLUMN "detector_min_count_p"`);
  }
}
