import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.ts';
import { App } from './App.tsx';
import { AppProviders } from './components/AppProviders/AppProviders.tsx';
import { UNAUTHORIZED_EVENT } from './components/AuthProvider/AuthProvider.tsx';
import { defaultWsBase, openBrowserSocket, type Services } from './hooks/services.ts';
import { readStoredToken } from './hooks/useAuth.ts';
import './styles.css';

const services: Services = {
  api: createApiClient({
    baseUrl: '/api/v1',
    getToken: readStoredToken,
    onUnauthorized: (error) => {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: error.message }));
    },
  }),
  wsBase: defaultWsBase(window.location),
  createSocket: openBrowserSocket,
};

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <AppProviders services={services}>
      <App />
    </AppProviders>
  </StrictMode>,
);
