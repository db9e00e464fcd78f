import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import { LEVELS, type Feedback, type Level } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from './ErrorNotice';

/** POST /v1/feedback: the level the query should have had, and/or a rating of the answer. */
export function FeedbackForm({
  decisionId,
  onSent,
  showTitle = true,
}: {
  decisionId: string;
  onSent?: (feedback: Feedback) => void;
  showTitle?: boolean;
}) {
  const { client } = useServices();
  const [level, setLevel] = useState<Level | ''>('');
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState<Feedback | null>(null);

  if (sent) {
    return (
      <p className="notice notice--ok" role="status">
        Thank you — feedback recorded ({sent.correct_level ? `level ${sent.correct_level}` : 'no level'}
        {sent.rating ? `, rating ${sent.rating}/5` : ''}).
      </p>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const feedback = await api.feedback(client, {
        decision_id: decisionId,
        ...(level ? { correct_level: level } : {}),
        ...(rating ? { rating } : {}),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setSent(feedback);
      onSent?.(feedback);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form feedback" onSubmit={(e) => void submit(e)} aria-label="Feedback">
      {showTitle && <h3 className="card__subtitle">Feedback</h3>}
      <div className="form__row">
        <label className="field">
          <span className="field__label">Correct level</span>
          <select value={level} onChange={(e) => setLevel(e.target.value as Level | '')}>
            <option value="">(no correction)</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="rating">
          <legend className="field__label">Rating</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className="rating__option">
              <input type="radio" name={`rating-${decisionId}`} value={n} checked={rating === n} onChange={() => setRating(n)} />
              <span>{n}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <label className="field">
        <span className="field__label">Comment (optional)</span>
        <input type="text" maxLength={4000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      {error && <ErrorNotice error={error} title="Feedback was not recorded" />}
      <button type="submit" className="button" disabled={busy || (!level && !rating)}>
        Send feedback
      </button>
    </form>
  );
}
