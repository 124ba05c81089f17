import { Injectable } from '@nestjs/common';

export type HealthCheck = () => Promise<void> | void;

/** Named checks that /healthz runs; a check throws to say what is wrong. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async run(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of this.checks) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (error) {
        ok = false;
        checks[name] = error instanceof Error ? error.message : String(error);
      }
    }
    return { ok, checks };
  }
}
