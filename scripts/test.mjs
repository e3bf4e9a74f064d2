// `npm test`: the unit tests, then the end-to-end specs in headless Chromium.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'prepare-models']);
run('npx', ['vitest', 'run']);
run('node', ['scripts/e2e.mjs']);
