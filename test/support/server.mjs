// Starts a real `throughcare serve` on port 0 with a fresh data directory, for tests.
// The binary comes from THROUGHCARE_BIN (set by CTest). With `args` containing --tls-cert and
// --tls-key the server speaks HTTPS: `scheme` is 'https' and `base` an https URL (fhir() then
// needs a certificate Node trusts; tests with a throwaway one use node:https with `ca`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Bearer tokens per FHIR base, used by fhir() unless a request sets its own Authorization.
const tokens = new Map();

// Mints an access token with `throughcare token` on the server's data directory.
export function mintToken(dir, { role = 'system', establishments = [], ttl = '30m', scope, subject } = {}) {
  const args = ['token', '--data', dir, '--role', role, '--ttl', ttl];
  for (const e of establishments) args.push('--establishment', e);
  if (scope) args.push('--scope', scope);
  if (subject) args.push('--subject', subject);
  const r = spawnSync(process.env.THROUGHCARE_BIN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`throughcare token failed: ${r.stderr}`);
  return r.stdout.trim();
}

export async function startServer({ dataDir, args = [] } = {}) {
  const bin = process.env.THROUGHCARE_BIN;
  if (!bin) throw new Error('THROUGHCARE_BIN is not set (run through ctest)');
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'throughcare-test-'));
  const child = spawn(bin, ['serve', '--data', dir, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => { stdout += d; });
  const [scheme, port] = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start: ' + stderr)), 30000);
    child.stdout.on('data', () => {
      const m = stdout.match(/listening on (https?):\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve([m[1], Number(m[2])]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  const base = `${scheme}://127.0.0.1:${port}/fhir`;
  const open = args.includes('--no-access-control');
  const token = open ? undefined : mintToken(dir, { subject: 'test-suite' });
  if (token) tokens.set(base, token);
  return {
    base, scheme, port, dir, child, token,
    // A token for another role (e.g. { role: 'registered-nurse', establishments: ['NFD'] }).
    tokenFor: (opts) => mintToken(dir, opts),
    auth: (t = token) => ({ Authorization: `Bearer ${t}` }),
    // What the server wrote so far: output() is stderr, stdout() is stdout.
    output: () => stderr,
    stdout: () => stdout,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
      child.kill(signal);
      return exited;
    },
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
}

export async function fhir(base, method, path, { body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(20000) };
  if (!('Authorization' in init.headers)) {
    // The server's own token, also for absolute URLs (paging links) under its base.
    for (const [b, t] of tokens) {
      if (base === b || base.startsWith(b + '/') || base.startsWith(b + '?')) {
        init.headers.Authorization = `Bearer ${t}`;
        break;
      }
    }
  }
  if (init.headers.Authorization === null) delete init.headers.Authorization;
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!init.headers['Content-Type']) init.headers['Content-Type'] = 'application/fhir+json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json;
  if (!raw && text && (res.headers.get('content-type') || '').includes('json')) json = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, json };
}
