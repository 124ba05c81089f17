import { z } from 'zod';

/**
 * Reusable schemas for environment variables. Each takes the raw string, returns a typed value,
 * and carries (as its description) the expected form that ConfigError prints.
 */

/** A string variable parsed by `parse`, which returns the value or a problem message. */
function parsedVar<T>(parse: (raw: string) => { value: T } | { problem: string }) {
  return z.string().transform((raw, ctx): T => {
    const parsed = parse(raw.trim());
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.value;
  });
}

function parseInteger(raw: string, min: number, max: number): { value: number } | { problem: string } {
  if (!/^[+-]?\d+$/.test(raw)) return { problem: `'${raw}' is not an integer` };
  const value = Number(raw);
  if (value < min || value > max) return { problem: `${value} is outside [${min}, ${max}]` };
  return { value };
}

const KAFKA_BROKERS_FORM = 'comma-separated host:port list, e.g. localhost:9092,kafka-2:9092';

export interface PresenceOptions {
  /** When true, the variable must be set; by default unset means undefined. */
  required?: boolean;
}

function optionalUnlessRequired<T>(schema: z.ZodType<T, string>, form: string, options: PresenceOptions) {
  return options.required ? schema.describe(form) : schema.optional().describe(form);
}

/** KAFKA_BROKERS: `host:port[,host:port…]` → list of brokers; unset → undefined (use the in-process bus). */
export function kafkaBrokersVar(options: { required: true }): z.ZodType<string[], string>;
export function kafkaBrokersVar(
  options?: PresenceOptions,
): z.ZodType<string[] | undefined, string | undefined>;
export function kafkaBrokersVar(
  options: PresenceOptions = {},
): z.ZodType<string[] | undefined, string | undefined> {
  const schema = parsedVar<string[]>((raw) => {
    const brokers = raw.split(',').map((b) => b.trim());
    for (const broker of brokers) {
      const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d+)$/.exec(broker);
      if (!match) return { problem: `'${broker}' is not host:port` };
      const port = parseInteger(match[2], 1, 65_535);
      if ('problem' in port) return { problem: `port of '${broker}': ${port.problem}` };
    }
    return { value: brokers };
  });
  return optionalUnlessRequired(schema, KAFKA_BROKERS_FORM, options);
}

const DATABASE_URL_FORM = 'postgres://user[:password]@host[:port]/database';

/** DATABASE_URL: a postgres:// (or postgresql://) URL; unset → undefined (use the embedded database). */
export function databaseUrlVar(options: { required: true }): z.ZodType<string, string>;
export function databaseUrlVar(options?: PresenceOptions): z.ZodType<string | undefined, string | undefined>;
export function databaseUrlVar(
  options: PresenceOptions = {},
): z.ZodType<string | undefined, string | undefined> {
  const schema = parsedVar<string>((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { problem: 'is not a URL' };
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      return { problem: `scheme is '${url.protocol.replace(/:$/, '')}', not postgres` };
    }
    if (!url.hostname) return { problem: 'has no host' };
    if (url.pathname.length <= 1) return { problem: 'names no database' };
    return { value: raw };
  });
  return optionalUnlessRequired(schema, DATABASE_URL_FORM, options);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL: one of LOG_LEVELS, case-insensitive; unset → `defaultLevel`. */
export function logLevelVar(defaultLevel: LogLevel = 'info') {
  return parsedVar<LogLevel>((raw) => {
    const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
    return level ? { value: level } : { problem: `'${raw}' is not a log level` };
  })
    .default(defaultLevel)
    .describe(`one of ${LOG_LEVELS.join('|')}`);
}

export interface IntegerVarOptions {
  min?: number;
  max?: number;
  /** Used when the variable is unset; without it the variable is required. */
  default?: number;
}

/** An integer within [min, max]; required unless a default is given. */
export function integerVar(
  options: IntegerVarOptions & { default: number },
): z.ZodType<number, string | undefined>;
export function integerVar(options?: IntegerVarOptions): z.ZodType<number, string>;
export function integerVar(options: IntegerVarOptions = {}): z.ZodType<number, string | undefined> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const form = `integer${options.min !== undefined || options.max !== undefined ? ` in [${min}, ${max}]` : ''}`;
  const schema = parsedVar<number>((raw) => parseInteger(raw, min, max));
  return options.default === undefined
    ? schema.describe(form)
    : schema.default(options.default).describe(form);
}

/** PORT (or any TCP port): an integer in [0, 65535], 0 meaning "any free port". */
export function portVar(defaultPort: number): z.ZodType<number, string | undefined>;
export function portVar(): z.ZodType<number, string>;
export function portVar(defaultPort?: number): z.ZodType<number, string | undefined> {
  const schema = parsedVar<number>((raw) => parseInteger(raw, 0, 65_535));
  const form = 'TCP port, integer in [0, 65535] (0: any free port)';
  return defaultPort === undefined ? schema.describe(form) : schema.default(defaultPort).describe(form);
}

/** A boolean written as true/false/1/0 (case-insensitive); required unless a default is given. */
export function booleanVar(defaultValue: boolean): z.ZodType<boolean, string | undefined>;
export function booleanVar(): z.ZodType<boolean, string>;
export function booleanVar(defaultValue?: boolean): z.ZodType<boolean, string | undefined> {
  const schema = parsedVar<boolean>((raw) => {
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === '1') return { value: true };
    if (lower === 'false' || lower === '0') return { value: false };
    return { problem: `'${raw}' is not a boolean` };
  });
  const form = 'true, false, 1 or 0';
  return defaultValue === undefined ? schema.describe(form) : schema.default(defaultValue).describe(form);
}

/** A free-form string, required unless a default is given (non-empty: empty counts as unset). */
export function stringVar(defaultValue?: string): z.ZodType<string, string | undefined> {
  const schema = z.string();
  return defaultValue === undefined
    ? schema.describe('a non-empty string')
    : schema.default(defaultValue).describe('a non-empty string');
}
