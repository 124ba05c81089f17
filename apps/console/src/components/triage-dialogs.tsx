import { useState, type FormEvent } from 'react';
import type { Verdict } from '../gql/graphql';
import { Modal } from './modal';

const VERDICTS: { value: Verdict; label: string; hint: string }[] = [
  {
    value: 'DECEPTIVE',
    label: 'Deceptive',
    hint: 'the anomaly is a real attempt to steer training or behaviour',
  },
  { value: 'BENIGN', label: 'Benign', hint: 'explained by something harmless (a false positive)' },
  { value: 'INCONCLUSIVE', label: 'Inconclusive', hint: 'not enough to decide; left out of precision' },
];

export function VerdictDialog(props: {
  incidentId: string;
  busy: boolean;
  error: string | null;
  onSubmit: (verdict: Verdict, note: string | null) => void;
  onClose: () => void;
}) {
  const [verdict, setVerdict] = useState<Verdict>('DECEPTIVE');
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit(verdict, note.trim() || null);
  };
  return (
    <Modal title={`Verdict for ${props.incidentId}`} onClose={props.onClose}>
      <form onSubmit={submit} className="form">
        <fieldset>
          <legend>Verdict</legend>
          {VERDICTS.map((v, i) => (
            <label key={v.value} className="radio">
              <input
                type="radio"
                name="verdict"
                value={v.value}
                checked={verdict === v.value}
                onChange={() => setVerdict(v.value)}
                autoFocus={i === 0}
              />
              <span>
                <strong>{v.label}</strong> <span className="muted">— {v.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label htmlFor="verdict-note">Note</label>
        <textarea
          id="verdict-note"
          rows={3}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="Why (kept in the audit history)"
        />
        {props.error && (
          <div className="notice notice-error" role="alert">
            {props.error}
          </div>
        )}
        <div className="actions">
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={props.busy}>
            Record verdict
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function TextDialog(props: {
  title: string;
  label: string;
  submitLabel: string;
  required: boolean;
  initial?: string;
  busy: boolean;
  error: string | null;
  onSubmit: (text: string) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState(props.initial ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (props.required && !text.trim()) return;
    props.onSubmit(text.trim());
  };
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form onSubmit={submit} className="form">
        <label htmlFor="dialog-text">{props.label}</label>
        <textarea
          id="dialog-text"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
        />
        {props.error && (
          <div className="notice notice-error" role="alert">
            {props.error}
          </div>
        )}
        <div className="actions">
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={props.busy || (props.required && !text.trim())}
          >
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export const KEYS: [string, string][] = [
  ['j / k', 'next / previous incident'],
  ['Enter', 'open the selected incident'],
  ['a', 'acknowledge'],
  ['v', 'record a verdict'],
  ['c', 'comment'],
  ['?', 'show these keys'],
  ['Esc', 'close a dialog'],
];

export function KeysDialog({ onClose, canTriage }: { onClose: () => void; canTriage: boolean }) {
  return (
    <Modal title="Keyboard" onClose={onClose}>
      <table className="keys">
        <tbody>
          {KEYS.filter(([k]) => canTriage || !['a', 'v', 'c'].includes(k)).map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </Modal>
  );
}
