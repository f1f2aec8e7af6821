import type { ReactNode } from 'react';
import { Alert, Brand } from '../../../components';
import { useAuth } from '../store';

/** The frame around the sign-in and sign-up forms. */
export function AuthScreen({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const notice = useAuth((s) => s.notice);
  return (
    <div className="auth-screen">
      <main className="card auth-panel">
        <Brand large />
        <h1 className="auth-title">{title}</h1>
        <p className="auth-subtitle">{subtitle}</p>
        {notice && <Alert tone="info">{notice}</Alert>}
        {children}
      </main>
      <p className="auth-footnote">Everything stays on this computer: your account, your work and the AI that helps with it.</p>
    </div>
  );
}
