import { FormEvent, useState } from 'react';

import { api, DomainSuggestion, Lead } from '../api';
import { ErrorBox } from './States';

const PROVIDERS: Record<string, string> = { brave: 'Brave', google: 'Google', searxng: 'SearXNG' };

// The domain a web search found for a lead without one: accept it, or correct it with another
// domain (POST /api/leads/:id/domain-suggestion). Shown on the lead page while the lead has no
// domain; `onDecided` gets the lead as the server stored it.
export function DomainSuggestionPanel({ leadId, suggestion, onDecided }: {
  leadId: string;
  suggestion: DomainSuggestion;
  onDecided: (lead: Lead) => void;
}) {
  const [domain, setDomain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const decide = async (body: { decision: 'accept' } | { decision: 'correct'; domain: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ lead: Lead }>(
        'POST', `/api/leads/${encodeURIComponent(leadId)}/domain-suggestion`, body);
      onDecided(r.lead);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const correct = (e: FormEvent) => {
    e.preventDefault();
    if (domain.trim()) void decide({ decision: 'correct', domain: domain.trim() });
  };

  const found = suggestion.status === 'suggested' && suggestion.domain;
  const provider = PROVIDERS[suggestion.provider] ?? suggestion.provider;
  return (
    <section className="state info domain-suggestion" aria-labelledby="h-domain-suggestion">
      <h2 id="h-domain-suggestion">Website found by search</h2>
      {found ? (
        <p>
          A {provider} search suggests <strong className="suggested-domain">
            {suggestion.domain}</strong> (confidence {suggestion.confidence}%).{' '}
          <button type="button" onClick={() => decide({ decision: 'accept' })} disabled={busy}>
            Accept {suggestion.domain}
          </button>
        </p>
      ) : (
        <p>
          The {provider} search found no site that names the company with enough
          confidence (best {suggestion.confidence}%, needed {suggestion.min_confidence}%).
        </p>
      )}
      <form className="inline" onSubmit={correct} aria-label="Correct the domain">
        <label>
          {found ? 'Or give the right domain ' : 'Give the domain '}
          <input value={domain} onChange={(e) => setDomain(e.target.value)}
                 placeholder="example.se" aria-label="Correct domain" />
        </label>{' '}
        <button type="submit" disabled={busy || !domain.trim()}>Use this domain</button>
      </form>
      <ErrorBox error={error} />
      {suggestion.candidates.length > 0 && (
        <details>
          <summary>Candidates ({suggestion.candidates.length})</summary>
          <ul className="candidates">
            {suggestion.candidates.map((c) => (
              <li key={c.url} className={c.chosen ? 'chosen' : c.skipped ? 'skipped' : ''}>
                <span className="candidate-domain">{c.domain}</span>{' '}
                <span className="meta">
                  {c.skipped ? `skipped: ${c.skipped}` : `score ${c.score}: ${c.why.join('; ')}`}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
