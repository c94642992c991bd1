import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VerdictView } from '../../web/src/components/VerdictView/VerdictView.tsx';
import { phishingResult } from './helpers.tsx';

describe('the verdict view', () => {
  it('says so when the email has no links and no attachments', () => {
    render(<VerdictView result={{ ...phishingResult(), links: [], attachments: [] }} />);
    expect(screen.getByText('The email has no links.')).toBeInTheDocument();
    expect(screen.getByText('The email has no attachments.')).toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Links' })).toBeNull();
    expect(screen.queryByRole('table', { name: 'Attachments' })).toBeNull();
  });

  it('heads both tables with the verdict, the thing and why, and marks rows with nothing wrong', () => {
    const result = phishingResult();
    const cleanLink = { ...result.links[0]!, url: 'https://example.org/', reasons: [] };
    const cleanFile = { ...result.attachments[0]!, sha256: 'f'.repeat(64), findings: [] };
    render(
      <VerdictView
        result={{
          ...result,
          links: [...result.links, { ...cleanLink, verdict: 'clean' }],
          attachments: [...result.attachments, { ...cleanFile, verdict: 'clean' }],
        }}
      />,
    );
    const headings = (name: string): string[] =>
      within(screen.getByRole('table', { name }))
        .getAllByRole('columnheader')
        .map((th) => th.textContent);
    expect(headings('Links')).toEqual(['Verdict', 'Link', 'Why']);
    expect(headings('Attachments')).toEqual(['Verdict', 'File', 'Findings']);

    const linkRows = within(screen.getByRole('table', { name: 'Links' })).getAllByRole('row');
    expect(linkRows[1]).toHaveTextContent('A link points to a bare IP address');
    expect(linkRows[2]).toHaveTextContent('nothing wrong found');
    const fileRows = within(screen.getByRole('table', { name: 'Attachments' })).getAllByRole('row');
    expect(fileRows[1]).toHaveTextContent('double extension: .pdf.exe');
    expect(fileRows[2]).toHaveTextContent('nothing wrong found');
  });

  it('shows each finding with its severity and evidence, decisive or not', () => {
    render(<VerdictView result={phishingResult()} />);
    const decisive = screen.getByRole('list', { name: 'Decisive findings' });
    const first = within(decisive).getAllByRole('listitem')[0]!;
    expect(first).toHaveTextContent(
      'A link points to a bare IP address instead of a domain name. high',
    );
    expect(within(first).getByText(/^IPv4 address: /).tagName).toBe('CODE');
    const all = screen.getByRole('table', { name: 'All findings' });
    expect(within(all).getAllByText('high')).toHaveLength(2);
    expect(within(all).getByText('dmarc=fail').tagName).toBe('CODE');
  });
});
