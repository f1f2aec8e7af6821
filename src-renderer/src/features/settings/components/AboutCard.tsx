import type { MouseEvent } from 'react';
import { Alert, Card, Icon, Spinner } from '../../../components';
import { useSettings } from '../store';

/** Opens in the OS's browser from the desktop app, in a new tab from a browser. */
function ExternalLink({ href, children }: { href: string; children: string }) {
  const desktop = window.atelier;
  const open = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!desktop) return;
    event.preventDefault();
    void desktop.openExternal(new URL(href, location.origin).href);
  };
  return (
    <a href={href} target="_blank" rel="noreferrer" className="external-link" onClick={open}>
      {children}
      <Icon name="external" size={14} />
    </a>
  );
}

export function AboutCard() {
  const { info, infoError } = useSettings();
  const desktop = window.atelier;
  return (
    <Card title="About this installation" data-testid="server-info">
      {infoError && <Alert tone="error">{infoError}</Alert>}
      {!info && !infoError && <Spinner label="Loading server information" />}
      {info && (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{info.version}</dd>
          <dt>Data folder</dt>
          <dd>
            <code>{info.data_dir}</code>
          </dd>
          <dt>ffmpeg</dt>
          <dd>
            {info.ffmpeg.found
              ? `${info.ffmpeg.version ?? 'found'} (${info.ffmpeg.source ?? info.ffmpeg.path})`
              : 'Not found — audio and video features need it'}
          </dd>
          <dt>Running as</dt>
          <dd>
            {desktop ? `Desktop app on ${desktop.platform} (Electron ${desktop.versions.electron})` : 'Web page served by this computer'}
          </dd>
          <dt>API</dt>
          <dd className="row">
            <ExternalLink href="/docs">Swagger UI</ExternalLink>
            <ExternalLink href="/redoc">ReDoc</ExternalLink>
            <ExternalLink href="/openapi.json">OpenAPI document</ExternalLink>
          </dd>
        </dl>
      )}
    </Card>
  );
}
