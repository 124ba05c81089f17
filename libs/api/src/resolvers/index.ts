import { AlertConnectionResolver } from './alert-connection.resolver';
import { AlertResolver } from './alert.resolver';
import { ApiKeyResolver } from './api-key.resolver';
import { ArtifactConnectionResolver } from './artifact-connection.resolver';
import { ArtifactResolver } from './artifact.resolver';
import { CallerResolver } from './caller.resolver';
import { CommandResolver } from './command.resolver';
import { DetectorStatsResolver } from './detector-stats.resolver';
import { FlaggedItemsResolver } from './flagged-items.resolver';
import { MonitorSettingsResolver } from './monitor-settings.resolver';
import { NotificationResolver } from './notification.resolver';
import { SubjectStatusResolver } from './subject-status.resolver';
import { IncidentConnectionResolver } from './incident-connection.resolver';
import { IncidentSubscriptionResolver } from './incident-subscription.resolver';
import { IncidentResolver } from './incident.resolver';
import { SilenceResolver } from './silence.resolver';
import { TriageResolver } from './triage.resolver';
import { VerdictProbeResolver } from './verdict-probe.resolver';

/** Every resolver class: the module provides them, and the schema is generated from them. */
export const API_RESOLVERS = [
  IncidentResolver,
  IncidentConnectionResolver,
  TriageResolver,
  AlertResolver,
  AlertConnectionResolver,
  ArtifactResolver,
  ArtifactConnectionResolver,
  CommandResolver,
  SilenceResolver,
  DetectorStatsResolver,
  ApiKeyResolver,
  IncidentSubscriptionResolver,
  CallerResolver,
  FlaggedItemsResolver,
  SubjectStatusResolver,
  MonitorSettingsResolver,
  NotificationResolver,
  VerdictProbeResolver,
];
