import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Verdict weighting: the subjects each detector alerted on in an incident (detector → ["kind:id"]),
 * kept on the row so a batch knows which verdict records weigh an incident without scanning its
 * alerts. Backfilled from incident_alerts for the incidents that exist.
 */
export class IncidentDetectorSubjects1796234603932 implements MigrationInterface {
  name = 'IncidentDetectorSubjects1796234603932';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "incidents" ADD "detector_subjects" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`UPDATE "incidents" i SET "detector_subjects" = d.subjects
      FROM (
        SELECT incident_id, jsonb_object_agg(detector, subjects) AS subjects
        FROM (
          SELECT ia.incident_id, a.detector, jsonb_agg(DISTINCT a.subject_kind || ':' || a.subject_id) AS subjects
          FROM "incident_alerts" ia JOIN "alerts" a ON a.alert_id = ia.alert_id
          GROUP BY ia.incident_id, a.detector
        ) per_detector
        GROUP BY incident_id
      ) d
      WHERE d.incident_id = i.id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "incidents" DROP COLUMN "detector_subjects"`);
  }
}
