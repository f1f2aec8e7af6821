#!/usr/bin/env node
// Every test, in the order a failure is cheapest to find: format, lint, types, units and routes, then the
// built app driven in Chromium. Ends with one 'N passed, N failed' line for CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return res.status === 0;
}

function counts(file) {
  try {
    const report = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    return { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
  } catch {
    return { passed: 0, failed: 0, skipped: 0 };
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
};
let ok = true;

ok = run('format', bin('prettier'), ['--check', '--log-level', 'warn', '.']) && ok;
ok = run('lint', bin('eslint'), ['.']) && ok;
ok = run('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']) && ok;
ok = run('typecheck (web)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.web.json']) && ok;

for (const f of ['.vitest-unit.json', '.vitest-e2e.json']) fs.rmSync(path.join(root, f), { force: true });
ok =
  run('unit and route tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', '--outputFile.json=.vitest-unit.json']) && ok;
add(counts('.vitest-unit.json'));

const built = run('build', process.execPath, ['scripts/build.mjs']);
ok = built && ok;
if (built) {
  ok =
    run('end-to-end tests (Chromium)', bin('vitest'), [
      'run',
      '--config',
      'vitest.e2e.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.vitest-e2e.json',
    ]) && ok;
  add(counts('.vitest-e2e.json'));
}

if (totals.passed + totals.failed === 0) {
  console.error('No test ran: that is a failure, not a pass.');
  ok = false;
}
if (!ok && totals.failed === 0) totals.failed = 1; // a typecheck or build failure counts as one
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok ? 0 : 1);
