import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');
let venvReady = false;

/** Creates/updates <repo>/.venv from tools/python/requirements-test.txt, once per process. */
export function ensurePythonVenv(): string {
  const python = resolve(repoRoot, '.venv/bin/python');
  if (venvReady) return python;
  const result = spawnSync(process.execPath, [resolve(repoRoot, 'tools/python/ensure-venv.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (result.status !== 0)
    throw new Error(`tools/python/ensure-venv.mjs failed (exit ${result.status ?? result.signal})`);
  venvReady = true;
  return python;
}

/**
 * Runs tools/python/<script> in the test venv with `input` as JSON on stdin and returns its stdout
 * parsed as JSON: reference numbers from NumPy/SciPy/scikit-learn, independent of our code.
 */
export function runPythonReference<T>(
  script: string,
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const python = ensurePythonVenv();
  const result = spawnSync(python, [resolve(repoRoot, 'tools/python', script)], {
    cwd: repoRoot,
    input: JSON.stringify(input),
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 30,
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`python ${script} failed (exit ${result.status ?? result.signal}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}
