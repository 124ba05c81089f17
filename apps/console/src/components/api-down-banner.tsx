import { useApolloClient } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { apiStatus } from '../api/api-status';

/** Shown while the API cannot be reached; polls /healthz and refetches everything once it answers. */
export function ApiDownBanner() {
  const client = useApolloClient();
  const [down, setDown] = useState(apiStatus.isDown());
  const [checking, setChecking] = useState(false);

  useEffect(() => apiStatus.subscribe(setDown), []);

  const retry = async () => {
    setChecking(true);
    try {
      const response = await fetch('/healthz', { cache: 'no-store' });
      if (response.ok) {
        apiStatus.set(false);
        await client.refetchQueries({ include: 'active' });
      }
    } catch {
      apiStatus.set(true);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    if (!down) return;
    const timer = setInterval(() => void retry(), 3_000);
    return () => clearInterval(timer);
    // retry only closes over the client, which never changes for a session.
  }, [down]);

  if (!down) return null;
  return (
    <div className="banner banner-error" role="alert">
      <strong>The API is unreachable.</strong> Retrying every 3 seconds; what you see may be out of date.
      <button type="button" className="btn btn-small" onClick={() => void retry()} disabled={checking}>
        {checking ? 'Retrying…' : 'Retry now'}
      </button>
    </div>
  );
}
