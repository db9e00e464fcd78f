import type { Level } from '../api/types';

export function LevelBadge({ level, title }: { level: Level | string; title?: string }) {
  return (
    <span className={`badge badge--level badge--${level.toLowerCase()}`} title={title}>
      {level}
    </span>
  );
}

export function Tag({ children, tone = 'neutral' }: { children: string; tone?: 'neutral' | 'warn' | 'danger' | 'ok' | 'info' }) {
  return <span className={`tag tag--${tone}`}>{children}</span>;
}
