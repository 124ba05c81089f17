'use strict';
// Entry of each compute worker thread (piscina requires it). Plain JavaScript so that it loads
// however the monitor runs: under `node -r ts-node/register … -r tsconfig-paths/register` (npm start,
// start:service, the benches) the worker inherits those hooks; under vitest (which transforms
// TypeScript only in its own threads) or any process without them, they are registered here.
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

if (!require.extensions['.ts']) {
  let root = __dirname;
  while (!existsSync(join(root, 'tsconfig.base.json')) && dirname(root) !== root) root = dirname(root);
  require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
  const { loadConfig, register } = require('tsconfig-paths');
  const config = loadConfig(root);
  if (config.resultType === 'success') register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
}

module.exports = require('./compute-worker.ts');
