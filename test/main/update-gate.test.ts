import { describe, expect, it } from 'vitest';
import { feedFromUpdateYml, updateDecision } from '../../src-main/update-gate';

describe('the update gate', () => {
  const ready = { feed: 'https://updates.example.com/atelier', packaged: true, openJobs: 0 };

  it('is off unless a feed was set at build time, and in a development run', () => {
    expect(updateDecision({ ...ready, feed: null })).toEqual({
      allowed: false,
      reason: 'no release feed was set when this build was made',
    });
    expect(updateDecision({ ...ready, packaged: false }).allowed).toBe(false);
    expect(updateDecision(ready)).toEqual({ allowed: true });
  });

  it('never lets an update through while a job is queued or running', () => {
    expect(updateDecision({ ...ready, openJobs: 1 })).toEqual({ allowed: false, reason: '1 job is queued or running' });
    expect(updateDecision({ ...ready, openJobs: 3 })).toEqual({ allowed: false, reason: '3 jobs are queued or running' });
  });

  it('reads the feed from the app-update.yml a build with publish writes', () => {
    expect(feedFromUpdateYml('provider: generic\nurl: https://updates.example.com/atelier\nupdaterCacheDirName: atelier-updater\n')).toBe(
      'https://updates.example.com/atelier',
    );
    expect(feedFromUpdateYml(null)).toBeNull();
    expect(feedFromUpdateYml('provider: generic\nurl: file:///etc\n')).toBeNull();
  });
});
