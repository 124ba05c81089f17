import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Empty, ErrorState, Loading } from '../components/states';
import {
  CREATE_NOTIFICATION_RECEIVER,
  CREATE_NOTIFICATION_ROUTE,
  DELETE_NOTIFICATION_RECEIVER,
  DELETE_NOTIFICATION_ROUTE,
  NOTIFICATION_CONFIG,
  NOTIFICATION_DELIVERIES,
} from '../graphql/documents';
import type {
  NotificationConfigQuery,
  NotificationDeliveryStatus,
  NotificationReceiverKind,
  Stage,
} from '../gql/graphql';
import { dateTime, lower, number, shortId } from '../lib/format';
import { errorCode, errorMessage } from '../lib/graphql-errors';
import { parseSubjects, subjectsText } from '../lib/notification-subjects';

const STAGES: Stage[] = ['DATA', 'SIGNALS', 'REPRESENTATIONS'];
const REFETCH = ['NotificationConfig', 'NotificationDeliveries'];

/** A short note instead of an error page when the API refuses a list to this key's role. */
function Refused({ role, what }: { role: string; what: string }) {
  return (
    <div className="state state-empty" role="note">
      {what} requires the {role} role.
    </div>
  );
}

function ReceiverForm() {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<NotificationReceiverKind>('WEBHOOK');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [create, { loading, error }] = useMutation(CREATE_NOTIFICATION_RECEIVER, { refetchQueries: REFETCH });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    void create({
      variables: { input: { name: name.trim(), kind, url: url.trim(), ...(secret ? { secret } : {}) } },
    })
      .then((r) => {
        setDone(`Receiver ${r.data?.createNotificationReceiver.name ?? ''} created`);
        setName('');
        setUrl('');
        setSecret('');
      })
      .catch(() => undefined);
  };
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="receiver-form-title">
      <h3 id="receiver-form-title">New receiver</h3>
      <label htmlFor="receiver-name">Name</label>
      <input id="receiver-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required />
      <label htmlFor="receiver-kind">Kind</label>
      <select
        id="receiver-kind"
        value={kind}
        onChange={(e) => setKind(e.target.value as NotificationReceiverKind)}
      >
        <option value="WEBHOOK">webhook (signed JSON)</option>
        <option value="SLACK">slack (incoming webhook)</option>
      </select>
      <label htmlFor="receiver-url">URL</label>
      <input id="receiver-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
      <label htmlFor="receiver-secret">
        Signing secret {kind === 'WEBHOOK' ? '(16 to 512 characters)' : '(optional)'}
      </label>
      <input
        id="receiver-secret"
        type="password"
        autoComplete="new-password"
        value={secret}
        onChange={(e) => setSecret(e.target.value)}
        aria-describedby="receiver-secret-hint"
      />
      <span id="receiver-secret-hint" className="muted">
        Write-only: it is never shown again.
      </span>
      {error && (
        <div className="notice notice-error" role="alert">
          {errorMessage(error)}
        </div>
      )}
      {done && (
        <div className="notice notice-ok" role="status">
          {done}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={loading || !name.trim() || !url.trim()}>
          Create receiver
        </button>
      </div>
    </form>
  );
}

function RouteForm({ receivers }: { receivers: NotificationConfigQuery['notificationReceivers'] }) {
  const [name, setName] = useState('');
  const [receiverId, setReceiverId] = useState('');
  const [minSeverity, setMinSeverity] = useState('0');
  const [stages, setStages] = useState<Stage[]>([]);
  const [subjects, setSubjects] = useState('');
  const [repeat, setRepeat] = useState('');
  const [sendResolved, setSendResolved] = useState(true);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [create, { loading, error, reset }] = useMutation(CREATE_NOTIFICATION_ROUTE, {
    refetchQueries: REFETCH,
  });
  // The chosen receiver while it exists (it may have just been deleted), else the first.
  const receiver = receivers.some((r) => r.id === receiverId) ? receiverId : (receivers[0]?.id ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setInvalid(null);
    let parsed: ReturnType<typeof parseSubjects>;
    try {
      parsed = parseSubjects(subjects);
    } catch (err) {
      reset();
      setInvalid(errorMessage(err));
      return;
    }
    void create({
      variables: {
        input: {
          name: name.trim(),
          receiverId: receiver,
          minSeverity: Number(minSeverity) || 0,
          stages,
          subjects: parsed,
          sendResolved,
          ...(repeat.trim() ? { repeatIntervalSeconds: Math.round(Number(repeat)) } : {}),
        },
      },
    })
      .then((r) => {
        setDone(`Route ${r.data?.createNotificationRoute.name ?? ''} created`);
        setName('');
        setSubjects('');
        setRepeat('');
        setStages([]);
      })
      .catch(() => undefined);
  };
  if (receivers.length === 0) return <Empty>Create a receiver first; a route sends to one.</Empty>;
  const problem = invalid ?? (error ? errorMessage(error) : null);
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="route-form-title">
      <h3 id="route-form-title">New route</h3>
      <label htmlFor="route-name">Name</label>
      <input id="route-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required />
      <label htmlFor="route-receiver">Receiver</label>
      <select id="route-receiver" value={receiver} onChange={(e) => setReceiverId(e.target.value)}>
        {receivers.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
      <label htmlFor="route-severity">Minimum severity</label>
      <input
        id="route-severity"
        type="number"
        min={0}
        step="any"
        value={minSeverity}
        onChange={(e) => setMinSeverity(e.target.value)}
      />
      <fieldset>
        <legend>Stages (none: any)</legend>
        {STAGES.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={stages.includes(s)}
              onChange={(e) =>
                setStages((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))
              }
            />
            {lower(s)}
          </label>
        ))}
      </fieldset>
      <label htmlFor="route-subjects">
        Subjects (one per line: “model m-1”, or “dataset” for any dataset; empty: any)
      </label>
      <textarea id="route-subjects" rows={2} value={subjects} onChange={(e) => setSubjects(e.target.value)} />
      <label htmlFor="route-repeat">Repeat interval (seconds; empty: never)</label>
      <input
        id="route-repeat"
        type="number"
        min={1}
        value={repeat}
        onChange={(e) => setRepeat(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={sendResolved} onChange={(e) => setSendResolved(e.target.checked)} />
        Notify when resolved
      </label>
      {problem && (
        <div className="notice notice-error" role="alert">
          {problem}
        </div>
      )}
      {done && (
        <div className="notice notice-ok" role="status">
          {done}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={loading || !name.trim() || !receiver}>
          Create route
        </button>
      </div>
    </form>
  );
}

function DeleteButton(props: { label: string; disabled: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      className="btn btn-small"
      disabled={props.disabled}
      aria-label={props.label}
      onClick={props.onClick}
    >
      Delete
    </button>
  );
}

function Configuration() {
  const { data, error, loading, refetch } = useQuery(NOTIFICATION_CONFIG);
  const [removeReceiver, removingReceiver] = useMutation(DELETE_NOTIFICATION_RECEIVER, {
    refetchQueries: REFETCH,
  });
  const [removeRoute, removingRoute] = useMutation(DELETE_NOTIFICATION_ROUTE, { refetchQueries: REFETCH });
  const [refused, setRefused] = useState<string | null>(null);
  if (error && !data)
    return errorCode(error) === 'FORBIDDEN' ? (
      <Refused role="admin" what="Managing receivers and routes" />
    ) : (
      <ErrorState error={error} retry={() => void refetch()} />
    );
  if (!data && loading) return <Loading what="receivers and routes" />;
  if (!data) return null;
  const busy = removingReceiver.loading || removingRoute.loading;
  const remove = (deleting: Promise<unknown>) => {
    setRefused(null);
    void deleting.catch((e: unknown) => setRefused(errorMessage(e)));
  };
  return (
    <>
      {refused && (
        <div className="notice notice-error" role="alert">
          {refused}
        </div>
      )}
      <h2 id="receivers-title">Receivers</h2>
      {data.notificationReceivers.length === 0 ? (
        <Empty>No receivers.</Empty>
      ) : (
        <table className="queue compact" aria-labelledby="receivers-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">URL</th>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.notificationReceivers.map((r) => (
              <tr key={r.id} data-receiver={r.id}>
                <td>{r.name}</td>
                <td>{lower(r.kind)}</td>
                <td className="mono">{r.url}</td>
                <td>
                  {r.hasSecret ? (
                    <span className="tag tag-on">set</span>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td>{dateTime(r.createdAt)}</td>
                <td>
                  <DeleteButton
                    label={`Delete receiver ${r.name} (with its routes and deliveries)`}
                    disabled={busy}
                    onClick={() => remove(removeReceiver({ variables: { id: r.id } }))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="routes-title">Routes</h2>
      {data.notificationRoutes.length === 0 ? (
        <Empty>No routes: nothing is sent.</Empty>
      ) : (
        <table className="queue compact" aria-labelledby="routes-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Receiver</th>
              <th scope="col" className="num">
                Min severity
              </th>
              <th scope="col">Stages</th>
              <th scope="col">Subjects</th>
              <th scope="col">Repeat</th>
              <th scope="col">Resolved</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.notificationRoutes.map((r) => (
              <tr key={r.id} data-route={r.id}>
                <td>{r.name}</td>
                <td>{r.receiverName}</td>
                <td className="num">{number(r.minSeverity)}</td>
                <td>{r.stages.length === 0 ? 'any' : r.stages.map(lower).join(', ')}</td>
                <td>{subjectsText(r.subjects)}</td>
                <td>{r.repeatIntervalSeconds ? `every ${r.repeatIntervalSeconds} s` : 'never'}</td>
                <td>{r.sendResolved ? 'sent' : 'not sent'}</td>
                <td>
                  <DeleteButton
                    label={`Delete route ${r.name}`}
                    disabled={busy}
                    onClick={() => remove(removeRoute({ variables: { id: r.id } }))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="notif-forms">
        <ReceiverForm />
        <RouteForm receivers={data.notificationReceivers} />
      </div>
    </>
  );
}

const STATUS_CLASS: Record<NotificationDeliveryStatus, string> = {
  DELIVERED: 'tag tag-on',
  PENDING: 'tag',
  FAILED: 'tag tag-failed',
  SILENCED: 'muted',
};

function Deliveries() {
  const { data, error, loading, refetch } = useQuery(NOTIFICATION_DELIVERIES, {
    variables: { first: 100 },
    fetchPolicy: 'cache-and-network',
    notifyOnNetworkStatusChange: true,
  });
  return (
    <>
      <div className="page-head notif-deliveries-head">
        <h2 id="deliveries-title">Recent deliveries</h2>
        {data && (
          <button type="button" className="btn btn-small" disabled={loading} onClick={() => void refetch()}>
            Refresh deliveries
          </button>
        )}
      </div>
      {error && !data ? (
        errorCode(error) === 'FORBIDDEN' ? (
          <Refused role="triager" what="Seeing deliveries" />
        ) : (
          <ErrorState error={error} retry={() => void refetch()} />
        )
      ) : !data && loading ? (
        <Loading what="deliveries" />
      ) : !data || data.notificationDeliveries.length === 0 ? (
        <Empty>No notifications queued yet.</Empty>
      ) : (
        <table className="queue compact" aria-labelledby="deliveries-title">
          <thead>
            <tr>
              <th scope="col">Incident</th>
              <th scope="col">Change</th>
              <th scope="col">Receiver</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last answer</th>
              <th scope="col">Queued</th>
              <th scope="col">Last attempt</th>
              <th scope="col">Delivered / next</th>
            </tr>
          </thead>
          <tbody>
            {data.notificationDeliveries.map((d) => (
              <tr key={d.id}>
                <td className="mono">
                  <Link to={`/incidents/${encodeURIComponent(d.incidentId)}`}>{shortId(d.incidentId)}</Link>
                </td>
                <td>{d.change}</td>
                <td>{d.receiverName}</td>
                <td>
                  <span className={STATUS_CLASS[d.status]}>{lower(d.status)}</span>
                </td>
                <td className="num">{d.attempts}</td>
                <td>
                  {[d.lastStatusCode ?? null, d.lastError ?? null].filter((x) => x !== null).join(' · ') ||
                    '—'}
                </td>
                <td>{dateTime(d.createdAt)}</td>
                <td>{dateTime(d.lastAttemptAt)}</td>
                <td>
                  {d.deliveredAt
                    ? dateTime(d.deliveredAt)
                    : d.nextAttemptAt
                      ? `next ${dateTime(d.nextAttemptAt)}`
                      : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export default function NotificationsPage() {
  return (
    <section className="notifications" aria-labelledby="notifications-title">
      <div className="page-head">
        <h1 id="notifications-title">Notifications</h1>
        <span className="muted">Routes send matching incidents to receivers (webhook or Slack)</span>
      </div>
      <Configuration />
      <Deliveries />
    </section>
  );
}
