import type { Bus, SubscriptionHealth } from './bus';

export interface BusHealthOptions {
  /**
   * A member the coordinator has not acknowledged for this long is not ready (the broker is
   * unreachable, or the member was evicted). Default 30 s, kafkajs's session timeout.
   */
  staleAfterMs?: number;
}

/** What a probe reports: thrown as an Error when failing, returned as details when passing. */
export type HealthReport = Record<string, unknown>;

/**
 * Readiness and liveness probes over a bus's subscriptions, shaped for the observability
 * HealthRegistry (a check throws to fail, and may return details). Readiness: every subscription
 * joined its group and heard from its coordinator recently. Liveness: no consumer crashed for good
 * (kafkajs gave up restarting it), which only a restart of the process repairs.
 */
export function busHealthChecks(
  bus: Pick<Bus, 'health'>,
  options: BusHealthOptions = {},
): { readiness: () => HealthReport; liveness: () => HealthReport } {
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const report = (all: SubscriptionHealth[]) =>
    Object.fromEntries(
      all.map((s) => [
        s.group,
        {
          joined: s.joined,
          assignedPartitions: s.assignedPartitions,
          lag: s.lag ?? null,
          ...(s.sinceHeartbeatMs !== undefined ? { sinceHeartbeatMs: s.sinceHeartbeatMs } : {}),
          ...(s.lastCrash ? { lastCrash: s.lastCrash } : {}),
          ...(s.failed ? { failed: s.failed } : {}),
        },
      ]),
    );
  return {
    readiness: () => {
      const all = bus.health().filter((s) => !s.stopped);
      const problems = all.flatMap((s) => {
        if (s.failed) return [`${s.group}: consumer crashed and will not restart (${s.failed})`];
        if (!s.joined)
          return [
            `${s.group}: not a member of its group${s.lastCrash ? ` (last crash: ${s.lastCrash})` : ''}`,
          ];
        if (s.sinceHeartbeatMs !== undefined && s.sinceHeartbeatMs > staleAfterMs)
          return [`${s.group}: no heartbeat acknowledged for ${Math.round(s.sinceHeartbeatMs / 1000)} s`];
        return [];
      });
      if (problems.length > 0) throw new Error(problems.join('; '));
      return report(all);
    },
    liveness: () => {
      const failed = bus.health().filter((s) => s.failed);
      if (failed.length > 0)
        throw new Error(
          failed.map((s) => `${s.group}: consumer crashed and will not restart (${s.failed})`).join('; '),
        );
      return {};
    },
  };
}
