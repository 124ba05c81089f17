import { AlertRecord } from './alert-record.entity';
import { Artifact } from './artifact.entity';
import { Incident } from './incident.entity';
import { IncidentAlert } from './incident-alert.entity';
import { IncidentOutboxEvent } from './incident-outbox-event.entity';
import { IncidentSubject } from './incident-subject.entity';
import { IncidentTimelineEntry } from './incident-timeline-entry.entity';
import { LineageEdgeRecord } from './lineage-edge-record.entity';
import { Silence } from './silence.entity';
import { DetectorBaseline } from './detector-baseline.entity';
import { MonitorReferenceBatch } from './monitor-reference-batch.entity';
import { MonitorSettings } from './monitor-settings.entity';
import { MonitorSubject } from './monitor-subject.entity';
import { ProcessedEvent } from './processed-event.entity';
import { ApiAuditEntry } from './api-audit-entry.entity';
import { ApiKey } from './api-key.entity';
import { IncidentTriage } from './incident-triage.entity';
import { NotificationDelivery } from './notification-delivery.entity';
import { NotificationReceiver } from './notification-receiver.entity';
import { NotificationRoute } from './notification-route.entity';
import { FlaggedVector } from './flagged-vector.entity';
import { VerdictProbe } from './verdict-probe.entity';
// Registers the API's indexes on Incident (see the file) before the DataSource reads the metadata.

/**
 * Every entity the DataSource knows. Adding a table: one `<name>.entity.ts` file here, one line in
 * this list, one migration in migrations/ (the schema-drift test fails until they agree).
 */
export const ENTITIES = [
  ProcessedEvent,
  DetectorBaseline,
  MonitorSubject,
  MonitorReferenceBatch,
  MonitorSettings,
  // correlator
  Artifact,
  LineageEdgeRecord,
  AlertRecord,
  Incident,
  IncidentAlert,
  IncidentSubject,
  IncidentTimelineEntry,
  IncidentOutboxEvent,
  Silence,
  // notifications
  NotificationReceiver,
  NotificationRoute,
  NotificationDelivery,
  // api
  ApiKey,
  IncidentTriage,
  ApiAuditEntry,
  // verdict probe
  FlaggedVector,
  VerdictProbe,
] as const;

export { DetectorBaseline, type BaselineState } from './detector-baseline.entity';
export { ProcessedEvent } from './processed-event.entity';
export { MonitorReferenceBatch } from './monitor-reference-batch.entity';
export { MonitorSettings } from './monitor-settings.entity';
export { MonitorSubject, type MonitorPhase } from './monitor-subject.entity';
export { AlertRecord, type AlertRecordStatus } from './alert-record.entity';
export { Artifact } from './artifact.entity';
export { Incident, type IncidentRecordStatus } from './incident.entity';
export { IncidentAlert } from './incident-alert.entity';
export { IncidentOutboxEvent } from './incident-outbox-event.entity';
export { IncidentSubject } from './incident-subject.entity';
export { IncidentTimelineEntry } from './incident-timeline-entry.entity';
export { LineageEdgeRecord } from './lineage-edge-record.entity';
export { Silence } from './silence.entity';
export { ApiAuditEntry } from './api-audit-entry.entity';
export { ApiKey, type ApiRole } from './api-key.entity';
export { IncidentTriage, type TriageVerdict } from './incident-triage.entity';
export { NotificationDelivery, type NotificationDeliveryStatus } from './notification-delivery.entity';
export { NotificationReceiver, type NotificationReceiverKind } from './notification-receiver.entity';
export { NotificationRoute } from './notification-route.entity';
export { FlaggedVector } from './flagged-vector.entity';
export { VerdictProbe } from './verdict-probe.entity';
