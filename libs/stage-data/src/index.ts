export * from './data-stage.handler';
