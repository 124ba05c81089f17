import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { CREATE_SILENCE } from '../graphql/documents';
import type { ArtifactKind, Stage } from '../gql/graphql';
import { errorMessage } from '../lib/graphql-errors';
import { lower } from '../lib/format';
import { Modal } from './modal';

interface AlertLike {
  detector: string;
  stage: Stage;
  subject: { kind: ArtifactKind; id: string };
}

/** A silence prefilled from an incident's alert: same detector on the same subject, for N hours. */
export function SilenceDialog({ alert, onClose }: { alert: AlertLike; onClose: () => void }) {
  const [hours, setHours] = useState(24);
  const [comment, setComment] = useState('');
  const [useDetector, setUseDetector] = useState(true);
  const [useSubject, setUseSubject] = useState(true);
  const [done, setDone] = useState<string | null>(null);
  const [create, { loading, error }] = useMutation(CREATE_SILENCE, { refetchQueries: ['Silences'] });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create({
      variables: {
        input: {
          comment: comment.trim(),
          endsAt: new Date(Date.now() + hours * 3_600_000).toISOString(),
          ...(useDetector ? { detector: alert.detector } : { stage: alert.stage }),
          ...(useSubject ? { subjectKind: alert.subject.kind, subjectId: alert.subject.id } : {}),
        },
      },
    })
      .then((r) => setDone(`Silence ${r.data?.createSilence.id ?? ''} created`))
      .catch(() => undefined);
  };
  return (
    <Modal title="Silence alerts like this one" onClose={onClose}>
      {done ? (
        <>
          <div className="notice notice-ok" role="status">
            {done}
          </div>
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={onClose} autoFocus>
              Close
            </button>
          </div>
        </>
      ) : (
        <form className="form" onSubmit={submit}>
          <label className="check">
            <input type="checkbox" checked={useDetector} onChange={(e) => setUseDetector(e.target.checked)} />
            detector <code>{alert.detector}</code> (else every detector of the {lower(alert.stage)} stage)
          </label>
          <label className="check">
            <input type="checkbox" checked={useSubject} onChange={(e) => setUseSubject(e.target.checked)} />
            on {lower(alert.subject.kind)} <code>{alert.subject.id}</code>
          </label>
          <label htmlFor="silence-hours">For (hours)</label>
          <input
            id="silence-hours"
            type="number"
            min={1}
            max={24 * 90}
            value={hours}
            onChange={(e) => setHours(Number(e.target.value) || 1)}
          />
          <label htmlFor="silence-comment">Why</label>
          <textarea
            id="silence-comment"
            rows={3}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            required
          />
          {error && (
            <div className="notice notice-error" role="alert">
              {errorMessage(error)}
            </div>
          )}
          <div className="actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={loading || !comment.trim()}>
              Create silence
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
