import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { QueryRun } from '../hooks/useQueryRun';
import { AnswerPanel } from './AnswerPanel';

const base: QueryRun = { status: 'idle', decision: null, answer: '', complete: null, error: null, startedAt: 1000, finishedAt: 1250 };

describe('AnswerPanel', () => {
  it('says plainly that a decision-only result is a simulation', () => {
    render(<AnswerPanel run={{ ...base, status: 'simulated', complete: { decision_id: 'd', simulated: true, output: 'Simulation only - no execution.' } }} />);
    expect(screen.getByTestId('simulation-notice')).toHaveTextContent('Simulation only — no answer was generated');
    expect(screen.getByTestId('simulation-notice')).toHaveTextContent('no model was called');
    expect(screen.queryByTestId('answer')).not.toBeInTheDocument();
  });

  it('renders the streamed answer as Markdown and copies a code block', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.assign(navigator, { clipboard: { writeText } });
    render(
      <AnswerPanel
        run={{
          ...base,
          status: 'done',
          answer: 'Use this:\n\n```js\nconsole.log(1)\n```\n',
          complete: { decision_id: 'd', simulated: false, model: 'gpt-4o-mini', finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 7, estimated: false } },
        }}
      />,
    );
    expect(screen.getByTestId('answer')).toHaveTextContent('Use this:');
    expect(screen.getByText('3 in · 7 out')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Copy code' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('console.log(1)'));
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });

  it('shows a failed query with its code and request id', () => {
    render(<AnswerPanel run={{ ...base, status: 'failed', error: { code: 'UPSTREAM_UNAVAILABLE', message: 'all providers failed', request_id: 'req-42' } }} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('UPSTREAM_UNAVAILABLE');
    expect(alert).toHaveTextContent('req-42');
  });

  it('says when a query was stopped', () => {
    render(<AnswerPanel run={{ ...base, status: 'stopped', answer: 'partial' }} />);
    expect(screen.getByText(/Stopped: the upstream stream was cancelled/)).toBeInTheDocument();
    expect(screen.getByTestId('answer')).toHaveTextContent('partial');
  });
});
