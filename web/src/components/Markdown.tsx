import { useMemo, type MouseEvent } from 'react';
import { renderMarkdown } from '../lib/markdown';
import { copyText } from './CopyButton';

/** Rendered Markdown (sanitised) whose code blocks copy themselves. */
export function Markdown({ source, className }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    const button = target.closest<HTMLButtonElement>('button[data-copy-code]');
    if (!button) {
      return;
    }
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    void copyText(code).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        button.textContent = 'Copy code';
      }, 2000);
    });
  };
  return (
    // The click handler only delegates the code blocks' own <button>s.
    <div className={`markdown ${className ?? ''}`} onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />
  );
}
