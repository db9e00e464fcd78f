import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { decision } from '../test/decision';
import { DecisionCard } from './DecisionCard';

function renderCard(d = decision()) {
  return render(
    <MemoryRouter>
      <DecisionCard decision={d} />
    </MemoryRouter>,
  );
}

describe('DecisionCard', () => {
  it('shows the routed level, the reclassification and the model', () => {
    renderCard();
    expect(screen.getByText('classified SIMPLE → routed MODERATE')).toBeInTheDocument();
    expect(screen.getByText('gpt-4.1-mini', { selector: '.decision-card__model-name' })).toBeInTheDocument();
    expect(screen.getByText('borderline')).toBeInTheDocument();
    expect(screen.getByText('sensitive')).toBeInTheDocument();
    expect(screen.queryByText('simulated')).not.toBeInTheDocument();
  });

  it('lists the reason codes with their meaning', () => {
    renderCard();
    const reasons = screen.getByRole('region', { name: 'Reason codes' });
    expect(within(reasons).getByText('LEVEL_MAPPING')).toBeInTheDocument();
    expect(within(reasons).getByText('BORDERLINE_UPSCALE')).toBeInTheDocument();
    expect(within(reasons).getByText(/routed one level up/)).toBeInTheDocument();
  });

  it('decomposes the confidence', () => {
    renderCard();
    const confidence = screen.getByRole('region', { name: 'Confidence' });
    expect(within(confidence).getByRole('meter', { name: 'Overall' })).toHaveAttribute('value', '0.625');
    expect(within(confidence).getByRole('meter', { name: 'Classifier' })).toHaveAttribute('value', '0.468');
    expect(within(confidence).getByRole('meter', { name: 'Model fit' })).toHaveAttribute('value', '1');
    expect(within(confidence).getByText('70%')).toBeInTheDocument();
  });

  it('orders the fallback chain after the chosen model', () => {
    renderCard();
    const chain = screen.getByRole('region', { name: 'Fallback chain' });
    expect(within(chain).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'gpt-4.1-mini',
      'claude-3-5-haiku',
      'gpt-4o-mini',
    ]);
  });

  it('shows the estimates and links to the detail view', () => {
    renderCard();
    const estimates = screen.getByRole('region', { name: 'Estimates' });
    expect(within(estimates).getByText('$0.000806')).toBeInTheDocument();
    expect(within(estimates).getByText('5956 ms')).toBeInTheDocument();
    expect(within(estimates).getByText('500')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '01a2013b-8f62-7001-8bfb-2ac22c156e3b' })).toHaveAttribute(
      'href',
      '/decisions/01a2013b-8f62-7001-8bfb-2ac22c156e3b',
    );
  });

  it('marks a simulated decision and an empty fallback chain', () => {
    const d = decision({ simulated: true, execution_mode: 'decision-only' });
    renderCard({ ...d, route: { ...d.route, fallback_chain: [], borderline: false, classified_level: 'MODERATE' } });
    expect(screen.getByText('simulated')).toBeInTheDocument();
    expect(screen.getByText('No fallback.')).toBeInTheDocument();
    expect(screen.queryByText(/classified .* → routed/)).not.toBeInTheDocument();
  });
});
