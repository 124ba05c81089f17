'use strict';
// Entry of each compute worker thread (piscina requires it). Plain JavaScript so that it loads
// however the monitor runs (npm start, start:service, the benches, vitest, a process without any
// TypeScript hook): PiscinaComputePool starts the workers without the parent's `-r ts-node/register`,
// and this file installs a cheaper hook for the repository's TypeScript instead.
//
// ts-node transpiled every module again in every worker (seconds of CPU per worker, ~15 s under
// load). This hook keeps each transpiled file on disk (node_modules/.cache/damon-compute-worker),
// keyed by its source, its path, the tsconfig files and the TypeScript version: a worker that starts
// after the first one loads JavaScript and never loads the TypeScript compiler. A miss transpiles
// with TypeScript's own transpileModule (what ts-node's transpile-only mode does), with the
// repository's compiler options emitted as CommonJS.
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function repositoryRoot() {
  let root = __dirname;
  while (!existsSync(join(root, 'tsconfig.base.json')) && dirname(root) !== root) root = dirname(root);
  return root;
}

function installTypeScriptHook(root) {
  const cacheDir = join(root, 'node_modules', '.cache', 'damon-compute-worker');
  const salt = createHash('sha1')
    .update(readFileSync(join(root, 'tsconfig.base.json')))
    .update(readFileSync(join(root, 'tsconfig.json')))
    .update(JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version)
    .update('v1')
    .digest('hex');
  let compilerOptions;
  /** The compiler and the options it needs, loaded on the first miss only. */
  function transpile(source, filename) {
    const ts = require('typescript');
    if (!compilerOptions) {
      const configPath = join(root, 'tsconfig.json');
      const config = ts.readConfigFile(configPath, ts.sys.readFile).config;
      compilerOptions = {
        ...ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath).options,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        noEmit: false,
        sourceMap: false,
        inlineSourceMap: false,
        declaration: false,
      };
    }
    return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
  }
  require.extensions['.ts'] = (module, filename) => {
    const source = readFileSync(filename, 'utf8');
    const key = createHash('sha1').update(salt).update(filename).update('\0').update(source).digest('hex');
    const cached = join(cacheDir, `${key}.js`);
    let code;
    try {
      code = readFileSync(cached, 'utf8');
    } catch {
      code = transpile(source, filename);
      try {
        mkdirSync(cacheDir, { recursive: true });
        // Written aside and renamed, so a worker starting meanwhile never reads half a file.
        const partial = `${cached}.${process.pid}.${require('node:worker_threads').threadId}.tmp`;
        writeFileSync(partial, code);
        renameSync(partial, cached);
      } catch {
        // A read-only tree: the worker still runs, it transpiles again next time.
      }
    }
    module._compile(code, filename);
  };
}

if (!require.extensions['.ts']) {
  const root = repositoryRoot();
  installTypeScriptHook(root);
  const { loadConfig, register } = require('tsconfig-paths');
  const config = loadConfig(root);
  if (config.resultType === 'success') register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
}

module.exports = require('./compute-worker.ts');
