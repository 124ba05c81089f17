import { Injectable } from '@nestjs/common';

/** A check throws to say what is wrong; it may return details to show when it passes. */
export type HealthCheck = () => Promise<HealthDetails | void> | HealthDetails | void;
export type HealthDetails = Record<string, unknown>;

export interface HealthResult {
  ok: boolean;
  /** `ok` or what is wrong, by check. */
  checks: Record<string, string>;
  /** What passing checks reported (consumer membership, assignment, lag), by check. */
  details?: Record<string, HealthDetails>;
}

/**
 * Named checks behind the probes, as Kubernetes expects them. Liveness (`/healthz/live`): the
 * process works, or only a restart repairs it (a consumer that crashed for good). Readiness
 * (`/healthz/ready`, and `/healthz`): it does its job now — database reachable, consumers members
 * of their groups — which an outage of a dependency fails without a restart helping.
 */
@Injectable()
export class HealthRegistry {
  private readonly readiness = new Map<string, HealthCheck>();
  private readonly liveness = new Map<string, HealthCheck>();

  /** A readiness check. */
  register(name: string, check: HealthCheck): void {
    this.readiness.set(name, check);
  }

  registerLiveness(name: string, check: HealthCheck): void {
    this.liveness.set(name, check);
  }

  /** Readiness: every liveness check and every readiness check. */
  run(): Promise<HealthResult> {
    return runChecks([...this.liveness, ...this.readiness]);
  }

  runLiveness(): Promise<HealthResult> {
    return runChecks([...this.liveness]);
  }
}

async function runChecks(checks: [string, HealthCheck][]): Promise<HealthResult> {
  const result: Record<string, string> = {};
  const details: Record<string, HealthDetails> = {};
  let ok = true;
  for (const [name, check] of checks) {
    try {
      const detail = await check();
      result[name] = 'ok';
      if (detail && Object.keys(detail).length > 0) details[name] = detail;
    } catch (error) {
      ok = false;
      result[name] = error instanceof Error ? error.message : String(error);
    }
  }
  return Object.keys(details).length > 0 ? { ok, checks: result, details } : { ok, checks: result };
}
