// `throughcare user …` and `throughcare client …` (src/cli/account_commands.h) run as a user
// would: exit codes, what is printed, and what is never printed (hashes, private keys).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir;

before(() => { dir = mkdtempSync(join(tmpdir(), 'throughcare-accounts-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

// Runs the binary with `args` and `--data dir` appended; returns {status, stdout, stderr}.
function run(args, { input } = {}) {
  const bin = process.env.THROUGHCARE_BIN;
  if (!bin) throw new Error('THROUGHCARE_BIN is not set (run through ctest)');
  const r = spawnSync(bin, [...args, '--data', dir], { input, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jwksFile(name, jwk) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ keys: [jwk] }));
  return file;
}

function ecKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return {
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES384', use: 'sig' },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES384' },
  };
}

test('user add prints a one-time password once; list shows the user and no hash', () => {
  const add = run(['user', 'add', '--login', 'jsmith', '--name', 'Jane Smith',
    '--role', 'registered-nurse', '--establishment', 'HMP-LEEDS']);
  assert.equal(add.status, 0, add.stderr);
  const m = add.stdout.match(/one-time password for jsmith: ([a-z0-9]{5}(?:-[a-z0-9]{5}){3})/);
  assert.ok(m, add.stdout);
  assert.match(add.stdout, /must change it at first login/);

  const list = run(['user', 'list']);
  assert.equal(list.status, 0, list.stderr);
  const row = list.stdout.split('\n').find((l) => l.startsWith('jsmith '));
  assert.ok(row, list.stdout);
  assert.match(row, /Jane Smith\s+registered-nurse\s+HMP-LEEDS\s+.*password change due/);
  assert.doesNotMatch(list.stdout, /argon2|\$v=19/);
  assert.ok(!list.stdout.includes(m[1]), 'the one-time password is shown only once');
});

test('a password from standard input is accepted and weak ones are refused', () => {
  const weak = run(['user', 'add', '--login', 'weak', '--name', 'Weak Password',
    '--role', 'prescriber', '--password-stdin'], { input: 'password1234\n' });
  assert.equal(weak.status, 1);
  assert.match(weak.stderr, /^throughcare: .*too common/);
  assert.ok(!weak.stderr.includes('password1234'));

  const ok = run(['user', 'add', '--login', 'rjones', '--name', 'Rhys Jones',
    '--role', 'prescriber', '--password-stdin'], { input: 'tangerine submarine ladder\n' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.doesNotMatch(ok.stdout, /one-time password|tangerine/);
});

test('a duplicate login fails with exit code 1 and one line on stderr', () => {
  const dup = run(['user', 'add', '--login', 'jsmith', '--name', 'Someone Else',
    '--role', 'dentist']);
  assert.equal(dup.status, 1);
  assert.equal(dup.stderr.trim().split('\n').length, 1, dup.stderr);
  assert.match(dup.stderr, /^throughcare: the login "jsmith" is already taken/);
  assert.equal(dup.stdout, '');
});

test('an unknown role fails with a message listing the roles', () => {
  for (const args of [
    ['user', 'add', '--login', 'xx', '--name', 'X', '--role', 'wizard'],
    ['user', 'role', 'jsmith', 'wizard'],
    ['user', 'add', '--login', 'xy', '--name', 'X', '--role', 'system'],
  ]) {
    const r = run(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, /unknown role "(wizard|system)"; valid roles: registered-nurse, /);
    assert.match(r.stderr, /system-admin/);
  }
});

test('disable, enable and role change show in the list', () => {
  const rowOf = (login) => run(['user', 'list']).stdout.split('\n').find((l) => l.startsWith(`${login} `));
  assert.equal(run(['user', 'disable', 'jsmith']).status, 0);
  assert.match(rowOf('jsmith'), /disabled/);
  assert.equal(run(['user', 'enable', 'jsmith']).status, 0);
  assert.doesNotMatch(rowOf('jsmith'), /disabled/);
  assert.equal(run(['user', 'disable', 'jsmith']).status, 0);
  assert.match(rowOf('jsmith'), /disabled/);

  const role = run(['user', 'role', 'rjones', 'clinical-lead', '--establishment', 'HMP-A',
    '--establishment', 'HMP-B']);
  assert.equal(role.status, 0, role.stderr);
  assert.match(rowOf('rjones'), /clinical-lead\s+HMP-A,HMP-B\s+active/);

  const missing = run(['user', 'disable', 'nobody']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^throughcare: no user "nobody"/);
});

test('client add with a public JWK Set, then list', () => {
  const { publicJwk } = ecKeyPair();
  const add = run(['client', 'add', '--client-id', 'gp-system', '--name', 'GP system',
    '--jwks', jwksFile('public.json', publicJwk),
    '--scope', 'system/Patient.rs system/Observation.cruds', '--establishment', 'HMP-LEEDS']);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /registered client gp-system/);

  const list = run(['client', 'list']);
  assert.equal(list.status, 0, list.stderr);
  const row = list.stdout.split('\n').find((l) => l.startsWith('gp-system '));
  assert.ok(row, list.stdout);
  assert.match(row, /GP system\s+system\/Patient\.rs system\/Observation\.cruds\s+HMP-LEEDS\s+active/);

  const dup = run(['client', 'add', '--client-id', 'gp-system', '--name', 'Again',
    '--jwks', jwksFile('public.json', publicJwk), '--scope', 'system/Patient.rs']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already registered/);
});

test('client add refuses a private JWK, bad scopes and a missing file', () => {
  const { privateJwk, publicJwk } = ecKeyPair();
  const priv = run(['client', 'add', '--client-id', 'leaky', '--name', 'Leaky',
    '--jwks', jwksFile('private.json', privateJwk), '--scope', 'system/Patient.rs']);
  assert.equal(priv.status, 1);
  assert.match(priv.stderr, /^throughcare: invalid JWK Set: /);
  assert.ok(!priv.stderr.includes(privateJwk.d), 'the private key is not echoed');

  const userScope = run(['client', 'add', '--client-id', 'scoped', '--name', 'Scoped',
    '--jwks', jwksFile('public2.json', publicJwk), '--scope', 'user/Patient.rs']);
  assert.equal(userScope.status, 1);
  assert.match(userScope.stderr, /system\/ resource scopes/);

  const missing = run(['client', 'add', '--client-id', 'nofile', '--name', 'No file',
    '--jwks', join(dir, 'does-not-exist.json'), '--scope', 'system/Patient.rs']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read the JWK Set file/);

  const list = run(['client', 'list']);
  assert.doesNotMatch(list.stdout, /leaky|scoped|nofile/);
});
