import { ensureKafka, ensurePostgres, type StartedService } from '@damon/testing';

/**
 * Integration tests run against the real Kafka broker and PostgreSQL server: the ones named by
 * KAFKA_BROKERS / DATABASE_URL, or else the ones infra/ starts here, once per run, and stops after.
 */
export default function setup(): () => void {
  const services: StartedService[] = [];
  try {
    services.push(ensureKafka());
    services.push(ensurePostgres());
  } catch (error) {
    services.forEach((s) => s.stop());
    throw error;
  }
  for (const s of services) console.log(`[integration] ${s.started ? 'started' : 'using'} ${s.url}`);
  return () => services.forEach((s) => s.stop());
}
