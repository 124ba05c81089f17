export * from './representation-stage.handler';
