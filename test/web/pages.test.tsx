import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { JobStatus } from '../../src/contracts/api.ts';
import { App } from '../../web/src/App.tsx';
import { JobPage } from '../../web/src/pages/JobPage.tsx';
import { JobsPage } from '../../web/src/pages/JobsPage.tsx';
import { SubmitPage } from '../../web/src/pages/SubmitPage.tsx';
import {
  apiError,
  fakeApi,
  jobSummary,
  phishingResult,
  renderWithServices,
  signInAs,
  socketRecorder,
} from './helpers.tsx';

const JOB = '55555555-5555-4555-8555-555555555555';
const BATCH = '66666666-6666-4666-8666-666666666666';
const ROUTING = jobSummary().routing;

function emlFile(name: string, text = 'From: a@b.c\r\nSubject: hi\r\n\r\nbody'): File {
  return new File([text], name, { type: 'message/rfc822' });
}

function accepted(jobId: string) {
  return {
    job_id: jobId,
    status: 'submitted' as const,
    estimated_completion: 'seconds',
    polling_url: `/api/v1/analysis/status/${jobId}`,
    websocket_url: `/ws/jobs/${jobId}`,
    routing: ROUTING,
  };
}

function pendingJob(overrides: Partial<JobStatus> = {}): JobStatus {
  return {
    job_id: JOB,
    status: 'processing',
    progress: 10,
    result: null,
    processing_time: null,
    analysis_type: 'quick',
    lane: 'realtime',
    routing: ROUTING,
    attempts: 0,
    error: null,
    replays: 0,
    submitted_at: '2026-08-21T10:00:00.000Z',
    finished_at: null,
    ...overrides,
  };
}

describe('the submit page', () => {
  it('sends one dropped .eml as an upload and opens its job', async () => {
    signInAs();
    const submitFile = vi.fn(() => Promise.resolve(accepted(JOB)));
    renderWithServices(<SubmitPage />, { api: fakeApi({ submitFile }) });
    const drop = screen.getByText('Drop .eml files here, or choose them').closest('label')!;
    fireEvent.drop(drop, { dataTransfer: { files: [emlFile('phish.eml')] } });
    expect(screen.getByRole('list', { name: 'Chosen files' })).toHaveTextContent('phish.eml');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Submit for analysis' }));
    expect(submitFile).toHaveBeenCalledWith(expect.any(File), 'quick', 'normal');
    await waitFor(() => {
      expect(window.location.pathname).toBe(`/jobs/${JOB}`);
    });
  });

  it('turns several .eml files into one bulk submission, leaving out other files', async () => {
    signInAs();
    const submitBulk = vi.fn(() =>
      Promise.resolve({
        batch_id: BATCH,
        job_ids: [JOB, JOB],
        total_jobs: 2,
        status_url: '',
        websocket_url: '',
      }),
    );
    renderWithServices(<SubmitPage />, { api: fakeApi({ submitBulk }) });
    const user = userEvent.setup({ applyAccept: false });
    await user.upload(screen.getByLabelText('Email files (.eml)'), [
      emlFile('one.eml', 'Subject: one\r\n\r\nx'),
      emlFile('two.eml', 'Subject: two\r\n\r\ny'),
      new File(['hello'], 'notes.txt', { type: 'text/plain' }),
    ]);
    expect(screen.getByRole('status')).toHaveTextContent('Not an .eml file, left out: notes.txt');
    await user.click(screen.getByRole('radio', { name: /^standard/ }));
    await user.click(screen.getByRole('button', { name: 'Submit 2 emails as a batch' }));
    expect(submitBulk).toHaveBeenCalledWith({
      emails: [{ raw: btoa('Subject: one\r\n\r\nx') }, { raw: btoa('Subject: two\r\n\r\ny') }],
      analysis_type: 'standard',
      priority: 'low',
    });
    await waitFor(() => {
      expect(window.location.pathname).toBe(`/batches/${BATCH}`);
    });
  });

  it("shows the API's reason when a submission is refused", async () => {
    signInAs();
    const submit = vi.fn(() =>
      Promise.reject(
        apiError(413, 'API_EMAIL_TOO_LARGE', 'the email is 30000000 bytes; the limit is 26214400'),
      ),
    );
    renderWithServices(<SubmitPage />, { api: fakeApi({ submit }) });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Paste a raw email' }));
    await user.click(screen.getByRole('button', { name: 'Submit for analysis' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Paste the whole email');
    expect(submit).not.toHaveBeenCalled();
    fireEvent.change(screen.getByRole('textbox'), { target: { value: 'Subject: x\n\nbody' } });
    await user.click(screen.getByRole('button', { name: 'Submit for analysis' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the limit is 26214400');
    expect(screen.getByRole('alert')).toHaveTextContent('API_EMAIL_TOO_LARGE · HTTP 413');
  });
});

describe('the job page', () => {
  it('shows progress arriving live, then the verdict with the deceptive link and why', async () => {
    signInAs();
    const recorder = socketRecorder();
    let status = pendingJob();
    const jobStatus = vi.fn(() => Promise.resolve(status));
    renderWithServices(<JobPage jobId={JOB} />, {
      api: fakeApi({ jobStatus }),
      createSocket: recorder.create,
    });
    const bar = await screen.findByRole('progressbar', { name: 'Analysis progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '10');
    const socket = recorder.last();
    expect(socket.url).toBe(`ws://phishnet.test/ws/jobs/${JOB}`);
    act(() => {
      socket.open();
      socket.receive({ type: 'progress_update', job_id: JOB, progress: 65 });
    });
    expect(bar).toHaveAttribute('aria-valuenow', '65');
    expect(screen.getByText('Live')).toBeInTheDocument();

    status = pendingJob({ status: 'completed', progress: 100, result: phishingResult() });
    act(() => {
      socket.receive({ type: 'job_completed', job_id: JOB, result: phishingResult() });
    });
    const verdict = await screen.findByRole('region', { name: 'Verdict' });
    expect(verdict).toHaveTextContent('phishing');
    expect(verdict).toHaveTextContent('88');
    const links = screen.getByRole('table', { name: 'Links' });
    expect(links).toHaveTextContent('http://198.51.100.23/paypal/webapps/signin/');
    expect(links).toHaveTextContent('shown as “https://www.paypal.com/signin”');
    expect(links).toHaveTextContent(
      'A link points to a bare IP address instead of a domain name. (IPv4 address)',
    );
    const attachments = screen.getByRole('table', { name: 'Attachments' });
    expect(attachments).toHaveTextContent('invoice.pdf.exe');
    expect(attachments).toHaveTextContent('really application/x-msdownload');
    expect(attachments).toHaveTextContent(phishingResult().attachments[0]!.sha256);
    expect(screen.getByLabelText('Authentication results')).toHaveTextContent('dmarcfail');
    expect(screen.getByRole('list', { name: 'Decisive findings' })).toHaveTextContent(
      'DMARC failed: the From domain did not authenticate this message.',
    );
  });

  it('loads the raw headers when asked', async () => {
    signInAs();
    const jobHeaders = vi.fn(() =>
      Promise.resolve({
        job_id: JOB,
        headers: 'Received: from evil\nSubject: hi',
        truncated: false,
      }),
    );
    renderWithServices(<JobPage jobId={JOB} />, {
      api: fakeApi({
        jobStatus: () =>
          Promise.resolve(
            pendingJob({ status: 'completed', progress: 100, result: phishingResult() }),
          ),
        jobHeaders,
      }),
    });
    const summary = await screen.findByText('Raw headers');
    expect(jobHeaders).not.toHaveBeenCalled();
    const details = summary.closest('details')!;
    details.open = true;
    fireEvent(details, new Event('toggle'));
    expect(await screen.findByLabelText('Raw headers')).toHaveTextContent('Received: from evil');
  });

  it('says when the job does not exist', async () => {
    signInAs();
    renderWithServices(<JobPage jobId={JOB} />, {
      api: fakeApi({
        jobStatus: () => Promise.reject(apiError(404, 'API_JOB_NOT_FOUND', `no job ${JOB}`)),
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('No such job');
  });
});

describe('the jobs page', () => {
  it('searches by the filters in the URL and offers more when the search went on', async () => {
    signInAs();
    window.history.replaceState(null, '', '/jobs?sender=paypal&verdict=phishing');
    const searchJobs = vi.fn(() =>
      Promise.resolve({
        jobs: [jobSummary({ status: 'completed', progress: 100, verdict: 'phishing', score: 88 })],
        next_cursor: '1755770400000:1',
        searched_until: '2026-08-21T10:00:00.000Z',
      }),
    );
    renderWithServices(<JobsPage />, { api: fakeApi({ searchJobs }) });
    expect(await screen.findByRole('listitem', { name: /Your account/ })).toBeInTheDocument();
    expect(searchJobs).toHaveBeenCalledWith({ limit: 25, sender: 'paypal', verdict: 'phishing' });
    expect(screen.getByLabelText('Sender')).toHaveValue('paypal');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Load more' }));
    expect(searchJobs).toHaveBeenLastCalledWith({
      limit: 25,
      sender: 'paypal',
      verdict: 'phishing',
      cursor: '1755770400000:1',
    });
  });

  it('puts a new search in the URL', async () => {
    signInAs();
    window.history.replaceState(null, '', '/jobs');
    const searchJobs = vi.fn(() =>
      Promise.resolve({ jobs: [], next_cursor: null, searched_until: null }),
    );
    renderWithServices(<JobsPage />, { api: fakeApi({ searchJobs }) });
    expect(await screen.findByText(/No jobs yet/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Subject'), 'invoice');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(window.location.search).toBe('?subject=invoice');
    await waitFor(() => {
      expect(searchJobs).toHaveBeenLastCalledWith({ limit: 25, subject: 'invoice' });
    });
    expect(await screen.findByText('No jobs match this search.')).toBeInTheDocument();
  });

  it('shows a failed search', async () => {
    signInAs();
    renderWithServices(<JobsPage />, {
      api: fakeApi({
        searchJobs: () =>
          Promise.reject(apiError(400, 'API_REQUEST_INVALID', '`from` is after `to`')),
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('`from` is after `to`');
  });
});

describe('signing in', () => {
  it('checks the token, then shows the pages for its role (no worker pages for analysts)', async () => {
    window.history.replaceState(null, '', '/jobs');
    const me = vi.fn(() => Promise.resolve({ sub: 'bob', role: 'analyst' as const }));
    renderWithServices(<App />, {
      api: fakeApi({
        me,
        searchJobs: () => Promise.resolve({ jobs: [], next_cursor: null, searched_until: null }),
      }),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token'), 'Bearer abc.def.ghi');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(me).toHaveBeenCalledWith('abc.def.ghi');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).queryByRole('link', { name: 'Workers' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: /BullMQ/ })).toBeNull();
    expect(screen.getByText('bob · analyst')).toBeInTheDocument();
    expect(sessionStorage.getItem('phishnet.token')).toBe('abc.def.ghi');
  });

  it('refuses a token the server rejects, saying why', async () => {
    renderWithServices(<App />, {
      api: fakeApi({
        me: () => Promise.reject(apiError(401, 'AUTH_TOKEN_INVALID', 'token expired')),
      }),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token'), 'old');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('token expired');
    expect(sessionStorage.getItem('phishnet.token')).toBeNull();
  });

  it('refuses a token on a server without /auth/me instead of taking it for an admin', async () => {
    renderWithServices(<App />, {
      api: fakeApi({
        me: () =>
          Promise.reject(apiError(404, 'API_ROUTE_NOT_FOUND', 'no route GET /api/v1/auth/me')),
      }),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token'), 'abc');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Sign-in failed');
    expect(alert).toHaveTextContent('This token is not accepted');
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    expect(sessionStorage.getItem('phishnet.token')).toBeNull();
  });

  it("opens the dashboards' cookie session for an admin, and closes it on sign-out", async () => {
    window.history.replaceState(null, '', '/jobs');
    const openDashboardSession = vi.fn(() =>
      Promise.reject(apiError(503, 'API_REDIS_UNAVAILABLE', 'Redis is down')),
    );
    const closeDashboardSession = vi.fn(() => Promise.resolve());
    renderWithServices(<App />, {
      api: fakeApi({
        me: () => Promise.resolve({ sub: 'root', role: 'admin' as const }),
        openDashboardSession,
        closeDashboardSession,
        searchJobs: () => Promise.resolve({ jobs: [], next_cursor: null, searched_until: null }),
      }),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token'), 'adm.in.tok');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    // A failed cookie session does not block signing in.
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(openDashboardSession).toHaveBeenCalledWith('adm.in.tok');
    expect(within(nav).getByRole('link', { name: 'Workers' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(closeDashboardSession).toHaveBeenCalledTimes(1);
    expect(await screen.findByLabelText('Token')).toBeInTheDocument();
  });

  it("does not ask for the dashboards' session for an analyst", async () => {
    window.history.replaceState(null, '', '/jobs');
    const openDashboardSession = vi.fn(() => Promise.reject(new Error('not for analysts')));
    const closeDashboardSession = vi.fn(() => Promise.resolve());
    renderWithServices(<App />, {
      api: fakeApi({
        me: () => Promise.resolve({ sub: 'bob', role: 'analyst' as const }),
        openDashboardSession,
        closeDashboardSession,
        searchJobs: () => Promise.resolve({ jobs: [], next_cursor: null, searched_until: null }),
      }),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Token'), 'an.alyst.tok');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('navigation', { name: 'Main' });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(openDashboardSession).not.toHaveBeenCalled();
    expect(closeDashboardSession).not.toHaveBeenCalled();
  });

  it('keeps analysts out of the worker dashboard', async () => {
    signInAs({ sub: 'bob', role: 'analyst' });
    window.history.replaceState(null, '', '/api/v1/workers/dashboard');
    renderWithServices(<App />, { api: fakeApi() });
    expect(
      await screen.findByText(/The worker dashboard is for administrators/),
    ).toBeInTheDocument();
  });
});
