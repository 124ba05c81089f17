import { Component, type ReactNode } from 'react';
import { apiStatus } from '../api/api-status';

/**
 * A page whose code could not be loaded (the API, which serves the console's files, is down or was
 * redeployed) shows why and offers a reload, instead of leaving a blank screen.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error): void {
    if (/dynamically imported module|Failed to fetch|Importing a module script failed/i.test(error.message))
      apiStatus.set(true);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        <strong>This page could not be shown.</strong> {this.state.error.message}
        <button type="button" className="btn btn-small" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
