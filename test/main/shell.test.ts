import { describe, expect, it } from 'vitest';
import { shellPage, shellUrl, startBehindShell } from '../../src-main/shell';

describe('the start-up shell', () => {
  it('is on screen while the server starts, and gives way to the UI once it answers', async () => {
    const seen: string[] = [];
    let started!: (url: string) => void;
    const startup = startBehindShell({
      showShell: () => seen.push('shell'),
      startServer: () => {
        seen.push('server starting');
        return new Promise<string>((resolve) => (started = resolve));
      },
      showUi: (url) => seen.push(`ui ${url}`),
    });
    await Promise.resolve();
    expect(seen).toEqual(['shell', 'server starting']);
    started('http://127.0.0.1:8000');
    await expect(startup).resolves.toBe('http://127.0.0.1:8000');
    expect(seen).toEqual(['shell', 'server starting', 'ui http://127.0.0.1:8000']);
  });

  it('stays on the shell when the server cannot start, and says why to the caller', async () => {
    const seen: string[] = [];
    const startup = startBehindShell({
      showShell: () => seen.push('shell'),
      startServer: () => Promise.reject(new Error('port 8000 is already in use')),
      showUi: () => seen.push('ui'),
    });
    await expect(startup).rejects.toThrow('port 8000 is already in use');
    expect(seen).toEqual(['shell']);
  });

  it('is one self-contained page that runs no script and loads nothing', () => {
    const page = shellPage();
    expect(page).toContain('Starting Atelier…');
    expect(page).not.toMatch(/<script|src=|href=|url\(/i);
    expect(page).toContain(`default-src 'none'`);
    expect(decodeURIComponent(shellUrl().replace(/^data:text\/html;charset=utf-8,/, ''))).toBe(page);
  });
});
