import type { ReactNode } from 'react';

export type NoticeTone = 'danger' | 'warning' | 'success' | 'info';

/** A block of plain-language information; danger notices are announced to screen readers. */
export function Notice({ tone, title, children, testId }: { tone: NoticeTone; title?: string; children?: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'danger' ? 'alert' : 'status'} data-testid={testId}>
      <div className="stack" style={{ gap: 'var(--sp-1)' }}>
        {title ? <p className="notice-title">{title}</p> : null}
        {children}
      </div>
    </div>
  );
}
