// Steps the browser journeys share: the CLI on the server's data directory, signing in, and the
// accessibility check (with a screenshot when named).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { checkAccessibility, formatViolations, screenshot } from './browser.mjs';

export const PASSWORD = 'correct horse battery staple';

// Runs `throughcare <args> --data <dir>` (stdin: `input`); asserts success, returns stdout.
export function cli(dir, args, input) {
  const r = spawnSync(process.env.THROUGHCARE_BIN, [...args, '--data', dir], { encoding: 'utf8', input });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// No serious or critical axe-core violation on the page; a screenshot first when `name` is given.
export async function accessible(page, name) {
  if (name) await screenshot(page, name);
  const v = await checkAccessibility(page);
  assert.deepEqual(v, [], `${name ?? page.url()}: ${formatViolations(v)}`);
}

export async function signIn(page, origin, login, password = PASSWORD) {
  await page.goto(origin + '/login');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForLoadState('load');
}
