import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  databaseUrlVar,
  integerVar,
  kafkaBrokersVar,
  loadConfig,
  logLevelVar,
  portVar,
  type Environment,
} from '@damon/config';
import type { ApiSettings } from '@damon/api';
import { z } from 'zod';

const ORIGIN_FORM = 'comma-separated origins, e.g. https://console.example.org,http://localhost:5173';

export const apiConfigSchema = z.object({
  DATABASE_URL: databaseUrlVar({ required: true }),
  KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  PORT: portVar(4000),
  API_CORS_ORIGINS: z
    .string()
    .transform((raw, ctx) => {
      const origins = raw
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins) {
        let url: URL | undefined;
        try {
          url = new URL(origin);
        } catch {
          url = undefined;
        }
        if (!url || url.origin !== origin)
          ctx.addIssue({ code: 'custom', message: `'${origin}' is not an origin (scheme://host[:port])` });
      }
      return origins;
    })
    .optional()
    .describe(ORIGIN_FORM),
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('production')
    .describe('development, production or test'),
  LOG_LEVEL: logLevelVar(),
  API_MAX_DEPTH: integerVar({ min: 2, max: 50, default: 10 }),
  API_MAX_COMPLEXITY: integerVar({ min: 100, max: 1_000_000, default: 5_000 }),
  CONSOLE_DIR: z
    .string()
    .optional()
    .describe('folder of the built console (default: dist/apps/console when it exists)'),
});

export type ApiConfig = z.output<typeof apiConfigSchema>;

export function loadApiConfig(env?: Environment): ApiConfig {
  return loadConfig(apiConfigSchema, env);
}

/** The console build to serve at /: CONSOLE_DIR, else the repository's build when there is one. */
export function consoleDir(config: ApiConfig): string | undefined {
  if (config.CONSOLE_DIR) return config.CONSOLE_DIR;
  const built = resolve(__dirname, '../../../dist/apps/console');
  return existsSync(resolve(built, 'index.html')) ? built : undefined;
}

export function apiSettings(config: ApiConfig): ApiSettings {
  return {
    development: config.NODE_ENV === 'development',
    corsOrigins: config.API_CORS_ORIGINS ?? [],
    maxDepth: config.API_MAX_DEPTH,
    maxComplexity: config.API_MAX_COMPLEXITY,
    maxPageSize: 100,
  };
}
