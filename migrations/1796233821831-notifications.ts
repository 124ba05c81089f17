import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Notifications: receivers (webhook or Slack-compatible), routes matching incidents to receivers, and
 * the notification outbox written in the transaction of each incident change and drained by the
 * correlator's sender.
 */
export class Notifications1796233821831 implements MigrationInterface {
  name = 'Notifications1796233821831';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_receivers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "kind" text NOT NULL, "url" text NOT NULL, "secret" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_notification_receivers_kind" CHECK ("kind" IN ('webhook', 'slack')), CONSTRAINT "pk_notification_receivers" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_notification_receivers_name" ON "notification_receivers"  ("name") `,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_outbox" ("seq" BIGSERIAL NOT NULL, "idempotency_key" text NOT NULL, "dedup_key" text NOT NULL, "incident_id" text NOT NULL, "change" text NOT NULL, "receiver_id" uuid NOT NULL, "route_id" uuid, "payload" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_attempt_at" TIMESTAMP WITH TIME ZONE, "last_status_code" integer, "last_error" text, "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_notification_outbox_status" CHECK ("status" IN ('pending', 'delivered', 'failed', 'silenced')), CONSTRAINT "pk_notification_outbox" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_notification_outbox_incident" ON "notification_outbox"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_notification_outbox_due" ON "notification_outbox"  ("next_attempt_at") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_notification_outbox_key" ON "notification_outbox"  ("receiver_id", "idempotency_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_routes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "receiver_id" uuid NOT NULL, "min_severity" double precision NOT NULL DEFAULT '0', "stages" jsonb NOT NULL DEFAULT '[]', "subjects" jsonb NOT NULL DEFAULT '[]', "repeat_interval_seconds" integer, "send_resolved" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_notification_routes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_notification_routes_receiver" ON "notification_routes"  ("receiver_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_notification_routes_name" ON "notification_routes"  ("name") `,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_outbox" ADD CONSTRAINT "fk_notification_outbox_receiver" FOREIGN KEY ("receiver_id") REFERENCES "notification_receivers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_routes" ADD CONSTRAINT "fk_notification_routes_receiver" FOREIGN KEY ("receiver_id") REFERENCES "notification_receivers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "notification_routes" DROP CONSTRAINT "fk_notification_routes_receiver"`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_outbox" DROP CONSTRAINT "fk_notification_outbox_receiver"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ux_notification_routes_name"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notification_routes_receiver"`);
    await queryRunner.query(`DROP TABLE "notification_routes"`);
    await queryRunner.query(`DROP INDEX "public"."ux_notification_outbox_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notification_outbox_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notification_outbox_incident"`);
    await queryRunner.query(`DROP TABLE "notification_outbox"`);
    await queryRunner.query(`DROP INDEX "public"."ux_notification_receivers_name"`);
    await queryRunner.query(`DROP TABLE "notification_receivers"`);
  }
}
