/** One environment variable that failed validation. */
export interface ConfigProblem {
  variable: string;
  problem: string;
  /** The form the variable should take, when the schema says so. */
  expected?: string;
}

/**
 * Thrown once at start-up with every bad variable, so an operator fixes them all in one pass
 * instead of one restart per variable. Values are never echoed: they may hold secrets.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(
      (p) => `  ${p.variable}: ${p.problem}${p.expected ? ` (expected ${p.expected})` : ''}`,
    );
    super(`Invalid configuration, ${problems.length} variable(s) to fix:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
