export * from './notification-enqueue';
export * from './route-match';
