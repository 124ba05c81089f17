import { type MigrationInterface } from 'typeorm';
import { Foundation1795438800000 } from './1795438800000-foundation';
import { MonitorLifecycle1795438977864 } from './1795438977864-monitor-lifecycle';
import { Correlator1795439051057 } from './1795439051057-correlator';
import { Api1795440051271 } from './1795440051271-api';
import { FlaggedItems1795450000000 } from './1795450000000-flagged-items';
import { IncidentSeverityTerms1796182049604 } from './1796182049604-incident-severity-terms';
import { Notifications1796233821831 } from './1796233821831-notifications';
import { ApiKeyChangeNotify1796233889323 } from './1796233889323-api-key-change-notify';
import { VerdictProbe1796233950032 } from './1796233950032-verdict-probe';
import { IncidentDetectorSubjects1796234603932 } from './1796234603932-incident-detector-subjects';

/**
 * Every migration, oldest first. An explicit list rather than a glob, so the same code runs under
 * ts-node, vitest and a bundler; libs/persistence/src/migration-file.spec.ts fails when a file in this folder is missing here.
 */
export const MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  Foundation1795438800000,
  MonitorLifecycle1795438977864,
  Correlator1795439051057,
  Api1795440051271,
  FlaggedItems1795450000000,
  IncidentSeverityTerms1796182049604,
  Notifications1796233821831,
  ApiKeyChangeNotify1796233889323,
  VerdictProbe1796233950032,
  IncidentDetectorSubjects1796234603932,
];
