/** The process's bus (`Bus` from @damon/bus); the DataSource is injected by its class (typeorm). */
export const BUS = Symbol('damon.bus');
