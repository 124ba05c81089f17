export * from './representation-stage.handler';
export * from './verdict-probe-scoring';
export * from './verdict-probe-fitting';
export * from './verdict-probe.service';
