import { Index } from 'typeorm';
import { Incident } from './incident.entity';

/**
 * Indexes on `incidents` for the GraphQL API's read paths (keyset pages per ordering, the detector
 * filter), created by the API's migration. Declared here, beside the correlator's entity rather than
 * in it, so that entity and migrations still agree (the schema-drift test) while each team keeps its
 * own file. The GIN index is one TypeORM cannot describe: `synchronize: false` makes it leave it alone.
 */
Index('ix_incidents_created_at_id', ['createdAt', 'id'])(Incident);
Index('ix_incidents_severity_id', ['severity', 'id'])(Incident);
Index('ix_incidents_last_alert_at_id', ['lastAlertAt', 'id'])(Incident);
Index('ix_incidents_detector_min_p', { synchronize: false })(Incident);
