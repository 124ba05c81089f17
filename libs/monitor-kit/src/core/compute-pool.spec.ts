import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './compute-pool';

describe('workerExecArgv', () => {
  it('drops the parent TypeScript preloads and keeps every other node flag', () => {
    expect(
      workerExecArgv([
        '--cpu-prof',
        '-r',
        'ts-node/register/transpile-only',
        '--require',
        'tsconfig-paths/register',
        '--require=ts-node/register',
        '-r',
        'reflect-metadata',
        '--max-old-space-size=4096',
      ]),
    ).toEqual(['--cpu-prof', '-r', 'reflect-metadata', '--max-old-space-size=4096']);
  });

  it('keeps a module whose name only starts like ts-node', () => {
    expect(workerExecArgv(['-r', 'ts-node-dev-helper'])).toEqual(['-r', 'ts-node-dev-helper']);
  });
});
