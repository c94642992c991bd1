/** The email's header section as it arrived, read only when someone opens it. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useServices } from '../../hooks/services.ts';
import { ErrorNotice } from '../ErrorNotice/ErrorNotice.tsx';

export function RawHeaders({ jobId }: { jobId: string }) {
  const { api } = useServices();
  const [open, setOpen] = useState(false);
  const headers = useQuery({
    queryKey: ['job', jobId, 'headers'],
    queryFn: () => api.jobHeaders(jobId),
    enabled: open,
    staleTime: Infinity,
  });
  return (
    <details
      onToggle={(event) => {
        setOpen(event.currentTarget.open);
      }}
    >
      <summary>Raw headers</summary>
      {headers.isError ? (
        <ErrorNotice title="Could not load the headers" error={headers.error} />
      ) : headers.data ? (
        <>
          <pre
            aria-label="Raw headers"
            style={{
              whiteSpace: 'pre-wrap',
              overflowWrap: 'anywhere',
              background: 'var(--surface-muted)',
              border: '1px solid var(--border)',
              borderRadius: 'var(--radius)',
              padding: '0.7rem',
              maxHeight: '28rem',
              overflow: 'auto',
              marginTop: '0.6rem',
            }}
          >
            {headers.data.headers}
          </pre>
          {headers.data.truncated ? (
            <p className="muted">The header section is longer; this is its beginning.</p>
          ) : null}
        </>
      ) : open ? (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      ) : null}
    </details>
  );
}
