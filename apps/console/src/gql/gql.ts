/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    me {\n      name\n      role\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment QueueIncident on Incident {\n    id\n    severity\n    status\n    stages\n    alertCount\n    createdAt\n    lastAlertAt\n    updatedAt\n    subjects {\n      kind\n      id\n    }\n    triage {\n      acknowledged\n      verdict\n      assignee @include(if: $names)\n    }\n  }\n": typeof types.QueueIncidentFragmentDoc,
    "\n  query Queue(\n    $filter: IncidentFilter\n    $orderBy: IncidentOrder!\n    $first: Int!\n    $after: String\n    $names: Boolean!\n  ) {\n    incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...QueueIncident\n        }\n      }\n    }\n  }\n": typeof types.QueueDocument,
    "\n  subscription IncidentOpened {\n    incidentOpened {\n      eventId\n      incidentId\n      severity\n    }\n  }\n": typeof types.IncidentOpenedDocument,
    "\n  subscription IncidentUpdated($names: Boolean!) {\n    incidentUpdated {\n      eventId\n      change\n      incidentId\n      incident {\n        ...QueueIncident\n      }\n    }\n  }\n": typeof types.IncidentUpdatedDocument,
    "\n  fragment IncidentDetail on Incident {\n    ...QueueIncident\n    firstAlertAt\n    resolvedAt\n    mergedInto\n    version\n    triage {\n      acknowledged\n      acknowledgedAt\n      acknowledgedBy @include(if: $names)\n      assignee @include(if: $names)\n      verdict\n      verdictAt\n      verdictBy @include(if: $names)\n      verdictNote\n    }\n    alertsByStage(first: 20) {\n      stage\n      alertCount\n      alerts {\n        alertId\n        detector\n        stage\n        status\n        score\n        pValue\n        alpha\n        evidence\n        occurredAt\n        windowFrom\n        windowTo\n        subject {\n          kind\n          id\n        }\n      }\n    }\n    timeline(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    triageHistory(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    comments(first: 100) {\n      id\n      at\n      body\n      author @include(if: $names)\n    }\n    lineage(hops: 2) {\n      truncated\n      nodes {\n        kind\n        id\n      }\n      edges {\n        relation\n        from {\n          kind\n          id\n        }\n        to {\n          kind\n          id\n        }\n      }\n    }\n  }\n": typeof types.IncidentDetailFragmentDoc,
    "\n  query Incident($id: ID!, $names: Boolean!) {\n    incident(id: $id) {\n      ...IncidentDetail\n    }\n  }\n": typeof types.IncidentDocument,
    "\n  subscription IncidentDetailUpdated($id: ID!, $names: Boolean!) {\n    incidentUpdated(id: $id) {\n      eventId\n      change\n      incident {\n        ...IncidentDetail\n      }\n    }\n  }\n": typeof types.IncidentDetailUpdatedDocument,
    "\n  mutation Acknowledge($id: ID!, $names: Boolean!) {\n    acknowledgeIncident(id: $id) {\n      ...QueueIncident\n    }\n  }\n": typeof types.AcknowledgeDocument,
    "\n  mutation Assign($id: ID!, $assignee: String, $names: Boolean!) {\n    assignIncident(id: $id, assignee: $assignee) {\n      ...QueueIncident\n    }\n  }\n": typeof types.AssignDocument,
    "\n  mutation SetVerdict($id: ID!, $verdict: Verdict!, $note: String, $names: Boolean!) {\n    setVerdict(id: $id, verdict: $verdict, note: $note) {\n      ...QueueIncident\n    }\n  }\n": typeof types.SetVerdictDocument,
    "\n  mutation AddComment($id: ID!, $body: String!) {\n    addComment(id: $id, body: $body) {\n      id\n    }\n  }\n": typeof types.AddCommentDocument,
    "\n  mutation Resolve($id: ID!, $comment: String, $names: Boolean!) {\n    resolveIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n": typeof types.ResolveDocument,
    "\n  mutation Reopen($id: ID!, $comment: String, $names: Boolean!) {\n    reopenIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n": typeof types.ReopenDocument,
    "\n  query Artifacts($filter: ArtifactFilter, $after: String) {\n    artifacts(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        node {\n          kind\n          id\n          firstSeenAt\n        }\n      }\n    }\n  }\n": typeof types.ArtifactsDocument,
    "\n  query Artifact($kind: ArtifactKind!, $id: String!, $names: Boolean!) {\n    artifact(kind: $kind, id: $id) {\n      kind\n      id\n      firstSeenAt\n      incidents(first: 20) {\n        ...QueueIncident\n      }\n      lineage(hops: 2) {\n        truncated\n        nodes {\n          kind\n          id\n        }\n        edges {\n          relation\n          from {\n            kind\n            id\n          }\n          to {\n            kind\n            id\n          }\n        }\n      }\n    }\n  }\n": typeof types.ArtifactDocument,
    "\n  query Silences($active: Boolean, $names: Boolean!) {\n    silences(active: $active, first: 200) {\n      id\n      active\n      comment\n      createdAt\n      startsAt\n      endsAt\n      detector\n      stage\n      subjectKind\n      subjectId\n      author @include(if: $names)\n    }\n  }\n": typeof types.SilencesDocument,
    "\n  mutation CreateSilence($input: CreateSilenceInput!) {\n    createSilence(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateSilenceDocument,
    "\n  mutation ExpireSilence($id: ID!) {\n    expireSilence(id: $id) {\n      id\n      active\n      endsAt\n    }\n  }\n": typeof types.ExpireSilenceDocument,
    "\n  query DetectorStats($filter: DetectorStatsFilter) {\n    detectorStats(filter: $filter, first: 100) {\n      detector\n      alertCount\n      incidentCount\n      deceptive\n      benign\n      inconclusive\n      precision\n      subject {\n        kind\n        id\n      }\n    }\n  }\n": typeof types.DetectorStatsDocument,
    "\n  query NotificationConfig {\n    notificationReceivers {\n      id\n      name\n      kind\n      url\n      hasSecret\n      createdAt\n    }\n    notificationRoutes {\n      id\n      name\n      receiverId\n      receiverName\n      minSeverity\n      stages\n      subjects {\n        kind\n        id\n      }\n      repeatIntervalSeconds\n      sendResolved\n    }\n  }\n": typeof types.NotificationConfigDocument,
    "\n  query NotificationDeliveries($first: Int!) {\n    notificationDeliveries(first: $first) {\n      id\n      incidentId\n      receiverId\n      receiverName\n      change\n      status\n      attempts\n      lastStatusCode\n      lastError\n      createdAt\n      lastAttemptAt\n      deliveredAt\n      nextAttemptAt\n    }\n  }\n": typeof types.NotificationDeliveriesDocument,
    "\n  mutation CreateNotificationReceiver($input: CreateNotificationReceiverInput!) {\n    createNotificationReceiver(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateNotificationReceiverDocument,
    "\n  mutation DeleteNotificationReceiver($id: ID!) {\n    deleteNotificationReceiver(id: $id)\n  }\n": typeof types.DeleteNotificationReceiverDocument,
    "\n  mutation CreateNotificationRoute($input: CreateNotificationRouteInput!) {\n    createNotificationRoute(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateNotificationRouteDocument,
    "\n  mutation DeleteNotificationRoute($id: ID!) {\n    deleteNotificationRoute(id: $id)\n  }\n": typeof types.DeleteNotificationRouteDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      name\n      role\n    }\n  }\n": types.MeDocument,
    "\n  fragment QueueIncident on Incident {\n    id\n    severity\n    status\n    stages\n    alertCount\n    createdAt\n    lastAlertAt\n    updatedAt\n    subjects {\n      kind\n      id\n    }\n    triage {\n      acknowledged\n      verdict\n      assignee @include(if: $names)\n    }\n  }\n": types.QueueIncidentFragmentDoc,
    "\n  query Queue(\n    $filter: IncidentFilter\n    $orderBy: IncidentOrder!\n    $first: Int!\n    $after: String\n    $names: Boolean!\n  ) {\n    incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...QueueIncident\n        }\n      }\n    }\n  }\n": types.QueueDocument,
    "\n  subscription IncidentOpened {\n    incidentOpened {\n      eventId\n      incidentId\n      severity\n    }\n  }\n": types.IncidentOpenedDocument,
    "\n  subscription IncidentUpdated($names: Boolean!) {\n    incidentUpdated {\n      eventId\n      change\n      incidentId\n      incident {\n        ...QueueIncident\n      }\n    }\n  }\n": types.IncidentUpdatedDocument,
    "\n  fragment IncidentDetail on Incident {\n    ...QueueIncident\n    firstAlertAt\n    resolvedAt\n    mergedInto\n    version\n    triage {\n      acknowledged\n      acknowledgedAt\n      acknowledgedBy @include(if: $names)\n      assignee @include(if: $names)\n      verdict\n      verdictAt\n      verdictBy @include(if: $names)\n      verdictNote\n    }\n    alertsByStage(first: 20) {\n      stage\n      alertCount\n      alerts {\n        alertId\n        detector\n        stage\n        status\n        score\n        pValue\n        alpha\n        evidence\n        occurredAt\n        windowFrom\n        windowTo\n        subject {\n          kind\n          id\n        }\n      }\n    }\n    timeline(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    triageHistory(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    comments(first: 100) {\n      id\n      at\n      body\n      author @include(if: $names)\n    }\n    lineage(hops: 2) {\n      truncated\n      nodes {\n        kind\n        id\n      }\n      edges {\n        relation\n        from {\n          kind\n          id\n        }\n        to {\n          kind\n          id\n        }\n      }\n    }\n  }\n": types.IncidentDetailFragmentDoc,
    "\n  query Incident($id: ID!, $names: Boolean!) {\n    incident(id: $id) {\n      ...IncidentDetail\n    }\n  }\n": types.IncidentDocument,
    "\n  subscription IncidentDetailUpdated($id: ID!, $names: Boolean!) {\n    incidentUpdated(id: $id) {\n      eventId\n      change\n      incident {\n        ...IncidentDetail\n      }\n    }\n  }\n": types.IncidentDetailUpdatedDocument,
    "\n  mutation Acknowledge($id: ID!, $names: Boolean!) {\n    acknowledgeIncident(id: $id) {\n      ...QueueIncident\n    }\n  }\n": types.AcknowledgeDocument,
    "\n  mutation Assign($id: ID!, $assignee: String, $names: Boolean!) {\n    assignIncident(id: $id, assignee: $assignee) {\n      ...QueueIncident\n    }\n  }\n": types.AssignDocument,
    "\n  mutation SetVerdict($id: ID!, $verdict: Verdict!, $note: String, $names: Boolean!) {\n    setVerdict(id: $id, verdict: $verdict, note: $note) {\n      ...QueueIncident\n    }\n  }\n": types.SetVerdictDocument,
    "\n  mutation AddComment($id: ID!, $body: String!) {\n    addComment(id: $id, body: $body) {\n      id\n    }\n  }\n": types.AddCommentDocument,
    "\n  mutation Resolve($id: ID!, $comment: String, $names: Boolean!) {\n    resolveIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n": types.ResolveDocument,
    "\n  mutation Reopen($id: ID!, $comment: String, $names: Boolean!) {\n    reopenIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n": types.ReopenDocument,
    "\n  query Artifacts($filter: ArtifactFilter, $after: String) {\n    artifacts(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        node {\n          kind\n          id\n          firstSeenAt\n        }\n      }\n    }\n  }\n": types.ArtifactsDocument,
    "\n  query Artifact($kind: ArtifactKind!, $id: String!, $names: Boolean!) {\n    artifact(kind: $kind, id: $id) {\n      kind\n      id\n      firstSeenAt\n      incidents(first: 20) {\n        ...QueueIncident\n      }\n      lineage(hops: 2) {\n        truncated\n        nodes {\n          kind\n          id\n        }\n        edges {\n          relation\n          from {\n            kind\n            id\n          }\n          to {\n            kind\n            id\n          }\n        }\n      }\n    }\n  }\n": types.ArtifactDocument,
    "\n  query Silences($active: Boolean, $names: Boolean!) {\n    silences(active: $active, first: 200) {\n      id\n      active\n      comment\n      createdAt\n      startsAt\n      endsAt\n      detector\n      stage\n      subjectKind\n      subjectId\n      author @include(if: $names)\n    }\n  }\n": types.SilencesDocument,
    "\n  mutation CreateSilence($input: CreateSilenceInput!) {\n    createSilence(input: $input) {\n      id\n    }\n  }\n": types.CreateSilenceDocument,
    "\n  mutation ExpireSilence($id: ID!) {\n    expireSilence(id: $id) {\n      id\n      active\n      endsAt\n    }\n  }\n": types.ExpireSilenceDocument,
    "\n  query DetectorStats($filter: DetectorStatsFilter) {\n    detectorStats(filter: $filter, first: 100) {\n      detector\n      alertCount\n      incidentCount\n      deceptive\n      benign\n      inconclusive\n      precision\n      subject {\n        kind\n        id\n      }\n    }\n  }\n": types.DetectorStatsDocument,
    "\n  query NotificationConfig {\n    notificationReceivers {\n      id\n      name\n      kind\n      url\n      hasSecret\n      createdAt\n    }\n    notificationRoutes {\n      id\n      name\n      receiverId\n      receiverName\n      minSeverity\n      stages\n      subjects {\n        kind\n        id\n      }\n      repeatIntervalSeconds\n      sendResolved\n    }\n  }\n": types.NotificationConfigDocument,
    "\n  query NotificationDeliveries($first: Int!) {\n    notificationDeliveries(first: $first) {\n      id\n      incidentId\n      receiverId\n      receiverName\n      change\n      status\n      attempts\n      lastStatusCode\n      lastError\n      createdAt\n      lastAttemptAt\n      deliveredAt\n      nextAttemptAt\n    }\n  }\n": types.NotificationDeliveriesDocument,
    "\n  mutation CreateNotificationReceiver($input: CreateNotificationReceiverInput!) {\n    createNotificationReceiver(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateNotificationReceiverDocument,
    "\n  mutation DeleteNotificationReceiver($id: ID!) {\n    deleteNotificationReceiver(id: $id)\n  }\n": types.DeleteNotificationReceiverDocument,
    "\n  mutation CreateNotificationRoute($input: CreateNotificationRouteInput!) {\n    createNotificationRoute(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateNotificationRouteDocument,
    "\n  mutation DeleteNotificationRoute($id: ID!) {\n    deleteNotificationRoute(id: $id)\n  }\n": types.DeleteNotificationRouteDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment QueueIncident on Incident {\n    id\n    severity\n    status\n    stages\n    alertCount\n    createdAt\n    lastAlertAt\n    updatedAt\n    subjects {\n      kind\n      id\n    }\n    triage {\n      acknowledged\n      verdict\n      assignee @include(if: $names)\n    }\n  }\n"): (typeof documents)["\n  fragment QueueIncident on Incident {\n    id\n    severity\n    status\n    stages\n    alertCount\n    createdAt\n    lastAlertAt\n    updatedAt\n    subjects {\n      kind\n      id\n    }\n    triage {\n      acknowledged\n      verdict\n      assignee @include(if: $names)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Queue(\n    $filter: IncidentFilter\n    $orderBy: IncidentOrder!\n    $first: Int!\n    $after: String\n    $names: Boolean!\n  ) {\n    incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...QueueIncident\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Queue(\n    $filter: IncidentFilter\n    $orderBy: IncidentOrder!\n    $first: Int!\n    $after: String\n    $names: Boolean!\n  ) {\n    incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...QueueIncident\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentOpened {\n    incidentOpened {\n      eventId\n      incidentId\n      severity\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentOpened {\n    incidentOpened {\n      eventId\n      incidentId\n      severity\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentUpdated($names: Boolean!) {\n    incidentUpdated {\n      eventId\n      change\n      incidentId\n      incident {\n        ...QueueIncident\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentUpdated($names: Boolean!) {\n    incidentUpdated {\n      eventId\n      change\n      incidentId\n      incident {\n        ...QueueIncident\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment IncidentDetail on Incident {\n    ...QueueIncident\n    firstAlertAt\n    resolvedAt\n    mergedInto\n    version\n    triage {\n      acknowledged\n      acknowledgedAt\n      acknowledgedBy @include(if: $names)\n      assignee @include(if: $names)\n      verdict\n      verdictAt\n      verdictBy @include(if: $names)\n      verdictNote\n    }\n    alertsByStage(first: 20) {\n      stage\n      alertCount\n      alerts {\n        alertId\n        detector\n        stage\n        status\n        score\n        pValue\n        alpha\n        evidence\n        occurredAt\n        windowFrom\n        windowTo\n        subject {\n          kind\n          id\n        }\n      }\n    }\n    timeline(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    triageHistory(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    comments(first: 100) {\n      id\n      at\n      body\n      author @include(if: $names)\n    }\n    lineage(hops: 2) {\n      truncated\n      nodes {\n        kind\n        id\n      }\n      edges {\n        relation\n        from {\n          kind\n          id\n        }\n        to {\n          kind\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment IncidentDetail on Incident {\n    ...QueueIncident\n    firstAlertAt\n    resolvedAt\n    mergedInto\n    version\n    triage {\n      acknowledged\n      acknowledgedAt\n      acknowledgedBy @include(if: $names)\n      assignee @include(if: $names)\n      verdict\n      verdictAt\n      verdictBy @include(if: $names)\n      verdictNote\n    }\n    alertsByStage(first: 20) {\n      stage\n      alertCount\n      alerts {\n        alertId\n        detector\n        stage\n        status\n        score\n        pValue\n        alpha\n        evidence\n        occurredAt\n        windowFrom\n        windowTo\n        subject {\n          kind\n          id\n        }\n      }\n    }\n    timeline(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    triageHistory(first: 100) {\n      seq\n      at\n      kind\n      details\n      actor @include(if: $names)\n    }\n    comments(first: 100) {\n      id\n      at\n      body\n      author @include(if: $names)\n    }\n    lineage(hops: 2) {\n      truncated\n      nodes {\n        kind\n        id\n      }\n      edges {\n        relation\n        from {\n          kind\n          id\n        }\n        to {\n          kind\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Incident($id: ID!, $names: Boolean!) {\n    incident(id: $id) {\n      ...IncidentDetail\n    }\n  }\n"): (typeof documents)["\n  query Incident($id: ID!, $names: Boolean!) {\n    incident(id: $id) {\n      ...IncidentDetail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentDetailUpdated($id: ID!, $names: Boolean!) {\n    incidentUpdated(id: $id) {\n      eventId\n      change\n      incident {\n        ...IncidentDetail\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentDetailUpdated($id: ID!, $names: Boolean!) {\n    incidentUpdated(id: $id) {\n      eventId\n      change\n      incident {\n        ...IncidentDetail\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Acknowledge($id: ID!, $names: Boolean!) {\n    acknowledgeIncident(id: $id) {\n      ...QueueIncident\n    }\n  }\n"): (typeof documents)["\n  mutation Acknowledge($id: ID!, $names: Boolean!) {\n    acknowledgeIncident(id: $id) {\n      ...QueueIncident\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Assign($id: ID!, $assignee: String, $names: Boolean!) {\n    assignIncident(id: $id, assignee: $assignee) {\n      ...QueueIncident\n    }\n  }\n"): (typeof documents)["\n  mutation Assign($id: ID!, $assignee: String, $names: Boolean!) {\n    assignIncident(id: $id, assignee: $assignee) {\n      ...QueueIncident\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetVerdict($id: ID!, $verdict: Verdict!, $note: String, $names: Boolean!) {\n    setVerdict(id: $id, verdict: $verdict, note: $note) {\n      ...QueueIncident\n    }\n  }\n"): (typeof documents)["\n  mutation SetVerdict($id: ID!, $verdict: Verdict!, $note: String, $names: Boolean!) {\n    setVerdict(id: $id, verdict: $verdict, note: $note) {\n      ...QueueIncident\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddComment($id: ID!, $body: String!) {\n    addComment(id: $id, body: $body) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation AddComment($id: ID!, $body: String!) {\n    addComment(id: $id, body: $body) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Resolve($id: ID!, $comment: String, $names: Boolean!) {\n    resolveIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n"): (typeof documents)["\n  mutation Resolve($id: ID!, $comment: String, $names: Boolean!) {\n    resolveIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Reopen($id: ID!, $comment: String, $names: Boolean!) {\n    reopenIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n"): (typeof documents)["\n  mutation Reopen($id: ID!, $comment: String, $names: Boolean!) {\n    reopenIncident(id: $id, comment: $comment) {\n      ...QueueIncident\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Artifacts($filter: ArtifactFilter, $after: String) {\n    artifacts(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        node {\n          kind\n          id\n          firstSeenAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Artifacts($filter: ArtifactFilter, $after: String) {\n    artifacts(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        node {\n          kind\n          id\n          firstSeenAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Artifact($kind: ArtifactKind!, $id: String!, $names: Boolean!) {\n    artifact(kind: $kind, id: $id) {\n      kind\n      id\n      firstSeenAt\n      incidents(first: 20) {\n        ...QueueIncident\n      }\n      lineage(hops: 2) {\n        truncated\n        nodes {\n          kind\n          id\n        }\n        edges {\n          relation\n          from {\n            kind\n            id\n          }\n          to {\n            kind\n            id\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Artifact($kind: ArtifactKind!, $id: String!, $names: Boolean!) {\n    artifact(kind: $kind, id: $id) {\n      kind\n      id\n      firstSeenAt\n      incidents(first: 20) {\n        ...QueueIncident\n      }\n      lineage(hops: 2) {\n        truncated\n        nodes {\n          kind\n          id\n        }\n        edges {\n          relation\n          from {\n            kind\n            id\n          }\n          to {\n            kind\n            id\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Silences($active: Boolean, $names: Boolean!) {\n    silences(active: $active, first: 200) {\n      id\n      active\n      comment\n      createdAt\n      startsAt\n      endsAt\n      detector\n      stage\n      subjectKind\n      subjectId\n      author @include(if: $names)\n    }\n  }\n"): (typeof documents)["\n  query Silences($active: Boolean, $names: Boolean!) {\n    silences(active: $active, first: 200) {\n      id\n      active\n      comment\n      createdAt\n      startsAt\n      endsAt\n      detector\n      stage\n      subjectKind\n      subjectId\n      author @include(if: $names)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSilence($input: CreateSilenceInput!) {\n    createSilence(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSilence($input: CreateSilenceInput!) {\n    createSilence(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExpireSilence($id: ID!) {\n    expireSilence(id: $id) {\n      id\n      active\n      endsAt\n    }\n  }\n"): (typeof documents)["\n  mutation ExpireSilence($id: ID!) {\n    expireSilence(id: $id) {\n      id\n      active\n      endsAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DetectorStats($filter: DetectorStatsFilter) {\n    detectorStats(filter: $filter, first: 100) {\n      detector\n      alertCount\n      incidentCount\n      deceptive\n      benign\n      inconclusive\n      precision\n      subject {\n        kind\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query DetectorStats($filter: DetectorStatsFilter) {\n    detectorStats(filter: $filter, first: 100) {\n      detector\n      alertCount\n      incidentCount\n      deceptive\n      benign\n      inconclusive\n      precision\n      subject {\n        kind\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationConfig {\n    notificationReceivers {\n      id\n      name\n      kind\n      url\n      hasSecret\n      createdAt\n    }\n    notificationRoutes {\n      id\n      name\n      receiverId\n      receiverName\n      minSeverity\n      stages\n      subjects {\n        kind\n        id\n      }\n      repeatIntervalSeconds\n      sendResolved\n    }\n  }\n"): (typeof documents)["\n  query NotificationConfig {\n    notificationReceivers {\n      id\n      name\n      kind\n      url\n      hasSecret\n      createdAt\n    }\n    notificationRoutes {\n      id\n      name\n      receiverId\n      receiverName\n      minSeverity\n      stages\n      subjects {\n        kind\n        id\n      }\n      repeatIntervalSeconds\n      sendResolved\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationDeliveries($first: Int!) {\n    notificationDeliveries(first: $first) {\n      id\n      incidentId\n      receiverId\n      receiverName\n      change\n      status\n      attempts\n      lastStatusCode\n      lastError\n      createdAt\n      lastAttemptAt\n      deliveredAt\n      nextAttemptAt\n    }\n  }\n"): (typeof documents)["\n  query NotificationDeliveries($first: Int!) {\n    notificationDeliveries(first: $first) {\n      id\n      incidentId\n      receiverId\n      receiverName\n      change\n      status\n      attempts\n      lastStatusCode\n      lastError\n      createdAt\n      lastAttemptAt\n      deliveredAt\n      nextAttemptAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateNotificationReceiver($input: CreateNotificationReceiverInput!) {\n    createNotificationReceiver(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateNotificationReceiver($input: CreateNotificationReceiverInput!) {\n    createNotificationReceiver(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteNotificationReceiver($id: ID!) {\n    deleteNotificationReceiver(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteNotificationReceiver($id: ID!) {\n    deleteNotificationReceiver(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateNotificationRoute($input: CreateNotificationRouteInput!) {\n    createNotificationRoute(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateNotificationRoute($input: CreateNotificationRouteInput!) {\n    createNotificationRoute(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteNotificationRoute($id: ID!) {\n    deleteNotificationRoute(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteNotificationRoute($id: ID!) {\n    deleteNotificationRoute(id: $id)\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;