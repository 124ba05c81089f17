export * from './kafka-stream-start';
export * from './local-infra';
export * from './sample-events';
export * from './python-reference';
export * from './service-process';
export * from './training-run-simulator';
