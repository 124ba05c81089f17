export * from './signal-stage.handler';
