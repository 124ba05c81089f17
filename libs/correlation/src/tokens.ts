/** Nest injection tokens for what the correlation module needs from the application. */
export const CORRELATION_BUS = Symbol('damon.correlation.bus');
export const CORRELATION_DATA_SOURCE = Symbol('damon.correlation.data-source');
