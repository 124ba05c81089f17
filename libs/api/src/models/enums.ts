import { registerEnumType } from '@nestjs/graphql';

// GraphQL enum names are upper case by convention; the values are the ones stored and sent on Kafka.

export enum IncidentStatus {
  OPEN = 'open',
  MERGED = 'merged',
  RESOLVED = 'resolved',
}

export enum Stage {
  DATA = 'data',
  SIGNALS = 'signals',
  REPRESENTATIONS = 'representations',
}

export enum ArtifactKind {
  MODEL = 'model',
  DATASET = 'dataset',
  RUN = 'run',
  EDIT = 'edit',
}

export enum LineageRelation {
  GENERATED = 'generated',
  TRAINED = 'trained',
  REWARDED = 'rewarded',
  PRODUCED = 'produced',
  EDITED = 'edited',
}

export enum Verdict {
  DECEPTIVE = 'deceptive',
  BENIGN = 'benign',
  INCONCLUSIVE = 'inconclusive',
}

export enum Role {
  VIEWER = 'viewer',
  TRIAGER = 'triager',
  ADMIN = 'admin',
}

export enum AlertStatus {
  CORRELATED = 'correlated',
  SILENCED = 'silenced',
  INHIBITED = 'inhibited',
  DUPLICATE = 'duplicate',
}

export enum IncidentChangeKind {
  OPENED = 'opened',
  UPDATED = 'updated',
  MERGED = 'merged',
  RESOLVED = 'resolved',
  /** A person's triage change (acknowledged, assigned, verdict, comment; resolve/reopen of an unannounced incident). */
  TRIAGED = 'triaged',
}

export enum TriageAction {
  ACKNOWLEDGED = 'acknowledged',
  ASSIGNED = 'assigned',
  VERDICT = 'verdict',
  COMMENT = 'comment',
  RESOLVED = 'resolved',
  REOPENED = 'reopened',
}

export enum IncidentOrder {
  CREATED_AT_DESC = 'created_at_desc',
  SEVERITY_DESC = 'severity_desc',
  LAST_ALERT_AT_DESC = 'last_alert_at_desc',
}

registerEnumType(IncidentStatus, { name: 'IncidentStatus' });
registerEnumType(Stage, {
  name: 'Stage',
  description: 'Monitoring stage: training data, training signals, representations.',
});
registerEnumType(ArtifactKind, { name: 'ArtifactKind' });
registerEnumType(LineageRelation, { name: 'LineageRelation' });
registerEnumType(Verdict, { name: 'Verdict', description: 'A person’s conclusion about an incident.' });
registerEnumType(Role, { name: 'Role', description: 'viewer < triager < admin.' });
registerEnumType(AlertStatus, { name: 'AlertStatus' });
registerEnumType(IncidentChangeKind, { name: 'IncidentChangeKind' });
registerEnumType(TriageAction, { name: 'TriageAction', description: 'What a person did to an incident.' });
registerEnumType(IncidentOrder, {
  name: 'IncidentOrder',
  description:
    'Every order is descending, ties broken by id descending; cursors are only valid for the order they came from.',
});
