import { graphql } from '../gql';

// Every operation the console sends. `$names` is false for a viewer key: people's names are then not
// even asked for, as the API would refuse them (FORBIDDEN) for that role.

export const ME = graphql(`
  query Me {
    me {
      name
      role
    }
  }
`);

export const QUEUE_INCIDENT = graphql(`
  fragment QueueIncident on Incident {
    id
    severity
    status
    stages
    alertCount
    createdAt
    lastAlertAt
    updatedAt
    subjects {
      kind
      id
    }
    triage {
      acknowledged
      verdict
      assignee @include(if: $names)
    }
  }
`);

export const QUEUE = graphql(`
  query Queue(
    $filter: IncidentFilter
    $orderBy: IncidentOrder!
    $first: Int!
    $after: String
    $names: Boolean!
  ) {
    incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        cursor
        node {
          ...QueueIncident
        }
      }
    }
  }
`);

export const INCIDENT_OPENED = graphql(`
  subscription IncidentOpened {
    incidentOpened {
      eventId
      incidentId
      severity
    }
  }
`);

export const INCIDENT_UPDATED = graphql(`
  subscription IncidentUpdated($names: Boolean!) {
    incidentUpdated {
      eventId
      change
      incidentId
      incident {
        ...QueueIncident
      }
    }
  }
`);

export const INCIDENT_DETAIL_FIELDS = graphql(`
  fragment IncidentDetail on Incident {
    ...QueueIncident
    firstAlertAt
    resolvedAt
    mergedInto
    version
    triage {
      acknowledged
      acknowledgedAt
      acknowledgedBy @include(if: $names)
      assignee @include(if: $names)
      verdict
      verdictAt
      verdictBy @include(if: $names)
      verdictNote
    }
    alertsByStage(first: 20) {
      stage
      alertCount
      alerts {
        alertId
        detector
        stage
        status
        score
        pValue
        alpha
        evidence
        occurredAt
        windowFrom
        windowTo
        subject {
          kind
          id
        }
      }
    }
    timeline(first: 100) {
      seq
      at
      kind
      details
      actor @include(if: $names)
    }
    triageHistory(first: 100) {
      seq
      at
      kind
      details
      actor @include(if: $names)
    }
    comments(first: 100) {
      id
      at
      body
      author @include(if: $names)
    }
    lineage(hops: 2) {
      truncated
      nodes {
        kind
        id
      }
      edges {
        relation
        from {
          kind
          id
        }
        to {
          kind
          id
        }
      }
    }
  }
`);

export const INCIDENT = graphql(`
  query Incident($id: ID!, $names: Boolean!) {
    incident(id: $id) {
      ...IncidentDetail
    }
  }
`);

export const INCIDENT_DETAIL_UPDATED = graphql(`
  subscription IncidentDetailUpdated($id: ID!, $names: Boolean!) {
    incidentUpdated(id: $id) {
      eventId
      change
      incident {
        ...IncidentDetail
      }
    }
  }
`);

export const ACKNOWLEDGE = graphql(`
  mutation Acknowledge($id: ID!, $names: Boolean!) {
    acknowledgeIncident(id: $id) {
      ...QueueIncident
    }
  }
`);

export const ASSIGN = graphql(`
  mutation Assign($id: ID!, $assignee: String, $names: Boolean!) {
    assignIncident(id: $id, assignee: $assignee) {
      ...QueueIncident
    }
  }
`);

export const SET_VERDICT = graphql(`
  mutation SetVerdict($id: ID!, $verdict: Verdict!, $note: String, $names: Boolean!) {
    setVerdict(id: $id, verdict: $verdict, note: $note) {
      ...QueueIncident
    }
  }
`);

export const ADD_COMMENT = graphql(`
  mutation AddComment($id: ID!, $body: String!) {
    addComment(id: $id, body: $body) {
      id
    }
  }
`);

export const RESOLVE = graphql(`
  mutation Resolve($id: ID!, $comment: String, $names: Boolean!) {
    resolveIncident(id: $id, comment: $comment) {
      ...QueueIncident
    }
  }
`);

export const REOPEN = graphql(`
  mutation Reopen($id: ID!, $comment: String, $names: Boolean!) {
    reopenIncident(id: $id, comment: $comment) {
      ...QueueIncident
    }
  }
`);

export const ARTIFACTS = graphql(`
  query Artifacts($filter: ArtifactFilter, $after: String) {
    artifacts(filter: $filter, first: 50, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          kind
          id
          firstSeenAt
        }
      }
    }
  }
`);

export const ARTIFACT = graphql(`
  query Artifact($kind: ArtifactKind!, $id: String!, $names: Boolean!) {
    artifact(kind: $kind, id: $id) {
      kind
      id
      firstSeenAt
      incidents(first: 20) {
        ...QueueIncident
      }
      lineage(hops: 2) {
        truncated
        nodes {
          kind
          id
        }
        edges {
          relation
          from {
            kind
            id
          }
          to {
            kind
            id
          }
        }
      }
    }
  }
`);

export const SILENCES = graphql(`
  query Silences($active: Boolean, $names: Boolean!) {
    silences(active: $active, first: 200) {
      id
      active
      comment
      createdAt
      startsAt
      endsAt
      detector
      stage
      subjectKind
      subjectId
      author @include(if: $names)
    }
  }
`);

export const CREATE_SILENCE = graphql(`
  mutation CreateSilence($input: CreateSilenceInput!) {
    createSilence(input: $input) {
      id
    }
  }
`);

export const EXPIRE_SILENCE = graphql(`
  mutation ExpireSilence($id: ID!) {
    expireSilence(id: $id) {
      id
      active
      endsAt
    }
  }
`);

export const DETECTOR_STATS = graphql(`
  query DetectorStats($filter: DetectorStatsFilter) {
    detectorStats(filter: $filter, first: 100) {
      detector
      alertCount
      incidentCount
      deceptive
      benign
      inconclusive
      precision
      subject {
        kind
        id
      }
    }
  }
`);

// Notifications: receivers and routes need admin (secrets are write-only: only `hasSecret` comes back);
// deliveries need triager.

export const NOTIFICATION_CONFIG = graphql(`
  query NotificationConfig {
    notificationReceivers {
      id
      name
      kind
      url
      hasSecret
      createdAt
    }
    notificationRoutes {
      id
      name
      receiverId
      receiverName
      minSeverity
      stages
      subjects {
        kind
        id
      }
      repeatIntervalSeconds
      sendResolved
    }
  }
`);

export const NOTIFICATION_DELIVERIES = graphql(`
  query NotificationDeliveries($first: Int!) {
    notificationDeliveries(first: $first) {
      id
      incidentId
      receiverId
      receiverName
      change
      status
      attempts
      lastStatusCode
      lastError
      createdAt
      lastAttemptAt
      deliveredAt
      nextAttemptAt
    }
  }
`);

export const CREATE_NOTIFICATION_RECEIVER = graphql(`
  mutation CreateNotificationReceiver($input: CreateNotificationReceiverInput!) {
    createNotificationReceiver(input: $input) {
      id
      name
    }
  }
`);

export const DELETE_NOTIFICATION_RECEIVER = graphql(`
  mutation DeleteNotificationReceiver($id: ID!) {
    deleteNotificationReceiver(id: $id)
  }
`);

export const CREATE_NOTIFICATION_ROUTE = graphql(`
  mutation CreateNotificationRoute($input: CreateNotificationRouteInput!) {
    createNotificationRoute(input: $input) {
      id
      name
    }
  }
`);

export const DELETE_NOTIFICATION_ROUTE = graphql(`
  mutation DeleteNotificationRoute($id: ID!) {
    deleteNotificationRoute(id: $id)
  }
`);
