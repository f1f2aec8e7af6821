import { api } from '../../api/client';

/** Whether no local account exists yet: a fresh install opens on the welcome, not on "Welcome back". */
export const setupApi = {
  status: () => api<{ first_run: boolean }>('/system/setup', { auth: false }),
};

/** Where the first run continues once the account exists. */
export const FIRST_RUN_PATH = '/welcome';
