import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Every change to an API key (revocation, deletion, any update, by whichever process or by hand)
 * notifies channel `damon_api_keys` with the key's id when its transaction commits: the API caches
 * verified keys for a short time and drops an entry as soon as this notification arrives.
 */
export class ApiKeyChangeNotify1796233889323 implements MigrationInterface {
  name = 'ApiKeyChangeNotify1796233889323';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION "notify_api_key_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('damon_api_keys', OLD.id);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "tr_api_keys_notify" AFTER UPDATE OR DELETE ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "notify_api_key_change"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "tr_api_keys_notify" ON "api_keys"`);
    await queryRunner.query(`DROP FUNCTION "notify_api_key_change"()`);
  }
}
