/**
 * npm start [-- --data-dir <folder>] [--scenario story|none]
 * The whole platform in one process; see README.md ("Quick start") and apps/all-in-one/README.md.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '@damon/config';
import { StoryScenario } from '@damon/scenario';
import { ensureAdminKey } from './admin-key';
import { loadAllInOneConfig } from './all-in-one-config';
import { Platform } from './platform';
import { StatusLine } from './status-line';

const REPO = resolve(__dirname, '../../..');
const USAGE = 'usage: npm start [-- --data-dir <folder>] [--scenario story|none]';

/**
 * The console's production build (apps/console/build-if-stale.mjs: a few seconds, only when a source
 * changed), run beside the platform's start; a failed build leaves the API running without it.
 */
function buildConsole(print: (line: string) => void): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(REPO, 'apps/console/build-if-stale.mjs')],
      { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          print(`console build failed, serving the API only:\n${stderr}`);
          done(undefined);
        } else done(stdout.trim());
      },
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: resolve(REPO, 'tmp/damon') },
      scenario: { type: 'string', default: 'story' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  if (values.scenario !== 'story' && values.scenario !== 'none') {
    console.error(`--scenario must be story or none\n${USAGE}`);
    process.exit(2);
  }
  const config = loadAllInOneConfig();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const platform = new Platform({
    config,
    dataDir: resolve(values['data-dir']),
    consoleDir: buildConsole(print),
    print,
  });

  let stopping = false;
  let scenario: StoryScenario | undefined;
  const status = new StatusLine(() => platform.counts(), process.stdout);
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    status.stop();
    print(`${signal}: stopping (finishing the batches in hand, then the database)…`);
    scenario?.stop();
    platform.stop().then(
      () => {
        print('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: npm forwards the terminal's SIGINT to us although the terminal already sent it
  // to the whole process group; the repeat must not kill the process mid-shutdown.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await platform.start();
  } catch (error) {
    // Whatever did start (the embedded server above all) is stopped before the error is reported.
    await platform.stop().catch(() => undefined);
    throw error;
  }
  const key = await ensureAdminKey(platform.shared.dataSource);
  const url = `http://localhost:${config.PORT}`;
  print(`damon is ready in ${process.uptime().toFixed(1)} s: ${url} (GraphQL at ${url}/graphql)`);
  print(`  bus: ${platform.busLabel}; database: ${platform.databaseLabel}`);
  print(
    platform.consoleServed() ? `  console: ${url}/` : '  console: not served (its build failed, see above)',
  );
  if ('created' in key) {
    print(`  admin API key (shown once, store it now): ${key.created}`);
    print(`  use it as: Authorization: Bearer <key>`);
  } else {
    print(`  ${key.existing} admin API key(s) exist already; while this runs, create another with`);
    print(`    DATABASE_URL='${platform.databaseUrl}' npm run apikey -- create --role admin`);
  }
  if (stopping) return;
  if (values.scenario === 'story') {
    scenario = new StoryScenario({ bus: platform.shared.bus, log: print });
    scenario.play().catch((error: unknown) => print(`scenario failed: ${String(error)}`));
  }
  status.start();
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : error,
  );
  process.exit(1);
});
