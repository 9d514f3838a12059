// Starts a real `throughcare serve` on port 0 with a fresh data directory, for tests.
// The binary comes from THROUGHCARE_BIN (set by CTest).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startServer({ dataDir, args = [] } = {}) {
  const bin = process.env.THROUGHCARE_BIN;
  if (!bin) throw new Error('THROUGHCARE_BIN is not set (run through ctest)');
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'throughcare-test-'));
  const child = spawn(bin, ['serve', '--data', dir, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + stderr)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  const base = `http://127.0.0.1:${port}/fhir`;
  return {
    base, port, dir, child,
    output: () => stderr,
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
