/** Everything a page needs above it: services, the query cache, the session. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isApiError } from '../../api/client.ts';
import { ServicesContext, type Services } from '../../hooks/services.ts';
import { AuthProvider } from '../AuthProvider/AuthProvider.tsx';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will answer the same again; a network error or a 5xx may not.
        retry: (count, error) =>
          !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
}

export function AppProviders(props: {
  services: Services;
  queryClient?: QueryClient;
  children: ReactNode;
}) {
  const [queryClient] = useState(() => props.queryClient ?? createQueryClient());
  return (
    <ServicesContext value={props.services}>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>{props.children}</AuthProvider>
      </QueryClientProvider>
    </ServicesContext>
  );
}
