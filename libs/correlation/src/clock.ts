/** Wall-clock time, injectable so group_wait can be tested without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Nest injection token for the Clock. */
export const CLOCK = Symbol('damon.correlation.clock');
