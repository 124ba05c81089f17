import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Flagged items stay findable: each recorded alert keeps the ids of the items (samples, activation
 * rows) it pointed at, bounded by the contract, and how many were flagged in all. Nullable: alerts
 * recorded before (or without flagged items) have none.
 */
export class FlaggedItems1795450000000 implements MigrationInterface {
  name = 'FlaggedItems1795450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alerts" ADD "flagged_item_ids" jsonb`);
    await queryRunner.query(`ALTER TABLE "alerts" ADD "flagged_item_count" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alerts" DROP COLUMN "flagged_item_count"`);
    await queryRunner.query(`ALTER TABLE "alerts" DROP COLUMN "flagged_item_ids"`);
  }
}
