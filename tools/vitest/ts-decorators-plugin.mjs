import ts from 'typescript';

/**
 * Vite's own TypeScript transform (oxc/esbuild) does not emit decorator metadata, which NestJS
 * dependency injection, TypeORM entities and GraphQL code-first types rely on. This plugin
 * transpiles the project's .ts files with the TypeScript compiler itself, file by file.
 */
export function tsDecoratorsPlugin() {
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
    esModuleInterop: true,
    sourceMap: true,
    inlineSources: true,
  };
  return {
    name: 'damon:ts-decorators',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0];
      if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.includes('/node_modules/')) return null;
      const out = ts.transpileModule(code, { compilerOptions, fileName: file });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}
