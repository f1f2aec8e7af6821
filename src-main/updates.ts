import fs from 'node:fs';
import path from 'node:path';
import { app } from 'electron';
import type { RunningServer } from '../src-server/server';
import { feedFromUpdateYml, updateDecision } from './update-gate';

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;
const RETRY_WHEN_BUSY_MS = 10 * 60 * 1000;

/**
 * electron-updater against the feed set at build time: off without one; it checks at start and
 * every 6 hours, downloads and installs only while no job is queued or running, and installs on
 * quit rather than restarting under the user.
 */
export async function startUpdates(server: RunningServer): Promise<void> {
  const yml = path.join(process.resourcesPath ?? '', 'app-update.yml');
  const feed = feedFromUpdateYml(fs.existsSync(yml) ? fs.readFileSync(yml, 'utf8') : null);
  const conditions = () => ({
    feed,
    packaged: app.isPackaged,
    openJobs: server.app.jobs.list({ status: ['queued', 'processing'], limit: 1000 }).length,
  });
  if (!updateDecision({ ...conditions(), openJobs: 0 }).allowed) return;

  const { autoUpdater } = (await import('electron-updater')).default;
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  let ready = false;

  const whenIdle = (step: () => unknown) => {
    const decision = updateDecision(conditions());
    if (decision.allowed) return void step();
    setTimeout(() => whenIdle(step), RETRY_WHEN_BUSY_MS).unref();
  };
  autoUpdater.on('update-available', () => whenIdle(() => autoUpdater.downloadUpdate()));
  autoUpdater.on('update-downloaded', () => (ready = true));
  autoUpdater.on('error', (err) => server.app.log.warn({ err }, 'update check failed'));

  // Installed on the way out, and only when nothing is running then either.
  app.on('will-quit', () => {
    if (ready && updateDecision(conditions()).allowed) autoUpdater.quitAndInstall(true, false);
  });
  const check = () => whenIdle(() => autoUpdater.checkForUpdates());
  check();
  setInterval(check, CHECK_EVERY_MS).unref();
}
