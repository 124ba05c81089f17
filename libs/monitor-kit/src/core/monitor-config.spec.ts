import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from '@damon/config';
import { TYPESCRIPT_NODE_ARGS } from '@damon/testing';
import { describe, expect, it } from 'vitest';
import { loadMonitorEnv, MONITOR_PROFILES } from './monitor-config';

const repoRoot = resolve(__dirname, '../../../..');

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/damon', KAFKA_BROKERS: '127.0.0.1:9092' };

function problems(run: () => unknown): { variable: string; problem: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map(({ variable, problem }) => ({ variable, problem }));
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadMonitorEnv', () => {
  it('refuses to start without KAFKA_BROKERS (no silent in-process bus) unless embedded', () => {
    expect(problems(() => loadMonitorEnv({ DATABASE_URL: base.DATABASE_URL }, { stage: 'data' }))).toEqual([
      { variable: 'KAFKA_BROKERS', problem: 'is required but not set' },
    ]);
    const embedded = loadMonitorEnv({ DATABASE_URL: base.DATABASE_URL }, { stage: 'data', embedded: true });
    expect(embedded.KAFKA_BROKERS).toBeUndefined();
    expect(loadMonitorEnv(base, { stage: 'data' }).KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it('sizes the compute pool from MONITOR_WORKERS: cores − 1 by default (at least 1), 0 for the main thread', () => {
    expect(loadMonitorEnv(base, { stage: 'data' }).MONITOR_WORKERS).toBe(
      Math.max(1, availableParallelism() - 1),
    );
    expect(loadMonitorEnv({ ...base, MONITOR_WORKERS: '3' }, { stage: 'data' }).MONITOR_WORKERS).toBe(3);
    expect(loadMonitorEnv({ ...base, MONITOR_WORKERS: '0' }, { stage: 'data' }).MONITOR_WORKERS).toBe(0);
    for (const bad of ['-1', 'two', '1.5', '1000'])
      expect(
        problems(() => loadMonitorEnv({ ...base, MONITOR_WORKERS: bad }, { stage: 'data' })).map(
          (p) => p.variable,
        ),
      ).toEqual(['MONITOR_WORKERS']);
  });

  it('gives each monitor its own default port, and PORT overrides it', () => {
    expect(loadMonitorEnv(base, { stage: 'data' }).PORT).toBe(8081);
    expect(loadMonitorEnv(base, { stage: 'signals' }).PORT).toBe(8082);
    expect(loadMonitorEnv(base, { stage: 'representations' }).PORT).toBe(8083);
    expect(new Set(Object.values(MONITOR_PROFILES).map((p) => p.defaultPort)).size).toBe(3);
    expect(loadMonitorEnv({ ...base, PORT: '9100' }, { stage: 'data' }).PORT).toBe(9100);
    // Without a stage (tests that build the env themselves) PORT must be given.
    expect(problems(() => loadMonitorEnv(base))).toEqual([
      { variable: 'PORT', problem: 'is required but not set' },
    ]);
  });

  it('refuses MONITOR_GAUSSIAN_RANK and MONITOR_FUSION on the data and signal monitors, which do not read them', () => {
    for (const stage of ['data', 'signals'] as const) {
      const found = problems(() =>
        loadMonitorEnv({ ...base, MONITOR_GAUSSIAN_RANK: '64', MONITOR_FUSION: 'fisher' }, { stage }),
      );
      expect(found.map((p) => p.variable).sort()).toEqual(['MONITOR_FUSION', 'MONITOR_GAUSSIAN_RANK']);
      expect(found[0].problem).toMatch(
        new RegExp(
          `is not read by the ${MONITOR_PROFILES[stage].app} \\(only by representation-monitor\\): unset it`,
        ),
      );
      // Unset, they keep their defaults (the per-subject settings still carry a fusion value).
      expect(loadMonitorEnv(base, { stage })).toMatchObject({
        MONITOR_FUSION: 'adaptive-fisher',
        MONITOR_GAUSSIAN_RANK: 'auto',
      });
    }
    const repr = loadMonitorEnv(
      { ...base, MONITOR_GAUSSIAN_RANK: '64', MONITOR_FUSION: 'min-p-sidak' },
      { stage: 'representations' },
    );
    expect(repr).toMatchObject({ MONITOR_GAUSSIAN_RANK: 64, MONITOR_FUSION: 'min-p-sidak' });
  });
});

describe('blasOptions', () => {
  /**
   * A child process (OpenBLAS takes its kernel family once, when loaded) whose environment `env(1)`
   * adjusts, starting the detectors' backend as a monitor does and printing its log line.
   */
  function detectorsLine(envArgs: string[]): string {
    const script =
      "const { z } = require('zod'); const { loadConfig } = require('@damon/config');" +
      "const { blasEnvVars, blasOptions } = require('./libs/monitor-kit/src/core/monitor-config');" +
      "require('./libs/detectors/src/backend').initBackend((m) => console.log(m), blasOptions(loadConfig(z.object(blasEnvVars()))))";
    return execFileSync('env', [...envArgs, process.execPath, ...TYPESCRIPT_NODE_ARGS, '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
  }

  it('reports an OPENBLAS_CORETYPE from the environment beside the family OpenBLAS took, and none when unset', () => {
    expect(detectorsLine(['OPENBLAS_CORETYPE=Haswell'])).toMatch(
      /OpenBLAS \(libopenblas\.so\.0, Haswell kernels \(OPENBLAS_CORETYPE=Haswell\), 1 thread\)/,
    );
    const chosen = detectorsLine(['-u', 'OPENBLAS_CORETYPE']);
    expect(chosen).toMatch(/OpenBLAS \(libopenblas\.so\.0, \w+ kernels, 1 thread\)/);
    expect(chosen).not.toContain('OPENBLAS_CORETYPE');
  });
});
