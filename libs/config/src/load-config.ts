import { type z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Validates the environment against `schema` (an object of variable schemas, see env-vars.ts) and
 * returns the typed config, or throws one ConfigError listing every bad variable.
 *
 * This default parameter is the one place in the project that reads `process.env`: everything else
 * receives typed config. Empty variables count as unset, so `FOO=` behaves like no FOO at all.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Environment = process.env): z.output<S> {
  const input: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '(config)');
    // One line per variable: the first problem is enough to fix it.
    if (seen.has(variable)) continue;
    seen.add(variable);
    const field = (schema.shape as Record<string, z.ZodType | undefined>)[variable];
    const problem = input[variable] === undefined ? 'is required but not set' : issue.message;
    problems.push({ variable, problem, expected: field?.description });
  }
  throw new ConfigError(problems);
}
