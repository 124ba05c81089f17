import DataLoader from 'dataloader';
import type { ArtifactRefModel } from '../models/artifact-ref.model';
import type { IncidentModel } from '../models/incident.model';
import type { StageFlaggedItemsModel } from '../models/stage-flagged-items.model';
import type { AlertQueryService } from './alert-query.service';
import type { ArtifactService } from './artifact.service';
import type { FlaggedItemsService } from './flagged-items.service';
import type { IncidentDetailService } from './incident-detail.service';
import type { IncidentQueryService } from './incident-query.service';

export interface ArtifactIncidentsKey {
  kind: string;
  id: string;
  first: number;
}

/**
 * One set per request: fields resolved for every item of a list (an incident's subjects and flagged
 * item counts, an alert's incident, an artifact's incidents) are fetched in one query per list instead of one per item.
 */
export class ApiLoaders {
  readonly incidentById: DataLoader<string, IncidentModel | null>;
  readonly subjectsByIncident: DataLoader<string, ArtifactRefModel[]>;
  readonly incidentIdByAlert: DataLoader<string, string | null>;
  readonly incidentsByArtifact: DataLoader<ArtifactIncidentsKey, IncidentModel[], string>;
  readonly flaggedCountsByIncident: DataLoader<string, StageFlaggedItemsModel[]>;

  constructor(services: {
    incidents: IncidentQueryService;
    details: IncidentDetailService;
    alerts: AlertQueryService;
    artifacts: ArtifactService;
    flagged: FlaggedItemsService;
  }) {
    this.incidentById = new DataLoader((ids) => services.incidents.byIds(ids));
    this.subjectsByIncident = new DataLoader((ids) => services.details.subjectsOf(ids));
    this.incidentIdByAlert = new DataLoader((ids) => services.alerts.incidentIdsOf(ids));
    this.flaggedCountsByIncident = new DataLoader((ids) => services.flagged.countsForIncidents(ids));
    this.incidentsByArtifact = new DataLoader(
      async (keys) => {
        // One query per distinct `first` (in practice one: the same field across a list).
        const results = new Map<string, IncidentModel[]>();
        for (const first of new Set(keys.map((k) => k.first))) {
          const group = keys.filter((k) => k.first === first);
          const lists = await services.artifacts.incidentsOf(group, first);
          group.forEach((k, i) => results.set(artifactKey(k), lists[i]));
        }
        return keys.map((k) => results.get(artifactKey(k)) ?? []);
      },
      { cacheKeyFn: artifactKey },
    );
  }
}

function artifactKey(k: ArtifactIncidentsKey): string {
  return `${k.kind}\u0000${k.id}\u0000${k.first}`;
}
