#!/usr/bin/env node
// `npm run serve`: the headless server (API, docs, web UI at /app/), rebuilt first when stale.
import { build, buildIsStale, runHeadless } from './lib/atelier.mjs';

if (buildIsStale()) build();
await runHeadless();
