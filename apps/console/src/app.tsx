import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import { SessionProvider } from './auth/session-context';
import { AppLayout } from './components/app-layout';
import { PageErrorBoundary } from './components/page-error-boundary';
import { Loading } from './components/states';
import { QueuePage } from './pages/queue-page';
import { SignInPage } from './pages/sign-in-page';

// The queue is the landing page and ships in the first chunk; every other page (and with the incident
// page, ECharts and the graph layout) loads when first opened.
const IncidentPage = lazy(() => import('./pages/incident-page'));
const ArtifactsPage = lazy(() => import('./pages/artifacts-page'));
const ArtifactPage = lazy(() => import('./pages/artifact-page'));
const SilencesPage = lazy(() => import('./pages/silences-page'));
const DetectorsPage = lazy(() => import('./pages/detectors-page'));
const NotificationsPage = lazy(() => import('./pages/notifications-page'));

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider signIn={(s) => <SignInPage {...s} />}>
        <AppLayout>
          <PageErrorBoundary>
            <Suspense fallback={<Loading what="page" />}>
              <Routes>
                <Route path="/" element={<QueuePage />} />
                <Route path="/incidents/:id" element={<IncidentPage />} />
                <Route path="/artifacts" element={<ArtifactsPage />} />
                <Route path="/artifacts/:kind/:id" element={<ArtifactPage />} />
                <Route path="/silences" element={<SilencesPage />} />
                <Route path="/detectors" element={<DetectorsPage />} />
                <Route path="/notifications" element={<NotificationsPage />} />
                <Route path="*" element={<p className="empty">No such page.</p>} />
              </Routes>
            </Suspense>
          </PageErrorBoundary>
        </AppLayout>
      </SessionProvider>
    </BrowserRouter>
  );
}
