#!/usr/bin/env node
// Embeds the web UI's static files (DESIGN.md decision 9) in the binary: writes one C++ source
// that defines tc::web::internal::EmbeddedAssets() (src/web/assets_data.h), read by
// src/web/assets.cc. Run by src/web/CMakeLists.txt at build time:
//
//   node embed-assets.mjs <nhsuk-frontend package dir> <src/web/static dir> <out.cc>
//
// What is embedded, each under a logical path below /assets/:
//   nhsuk.min.css      dist/nhsuk/nhsuk-frontend.min.css: the compiled NHS.UK frontend styles,
//                      without its source-map comment and without the @font-face rules that load
//                      Frutiger from assets.nhs.uk (no third-party requests from prison PCs; the
//                      font stack falls back to Arial). Its url(/assets/...) references are
//                      rewritten to the fingerprinted URLs below.
//   images/*.svg       every image that CSS references, from dist/nhsuk/assets/images/.
//   nhsuk.min.js       dist/nhsuk/nhsuk-frontend.min.js: the ES module with every component's
//                      JavaScript (without its source-map comment).
//   throughcare.js     src/web/static/throughcare.mjs, our own module (imports nhsuk.min.js and
//                      initialises the components); its quoted "/assets/<logical>" strings are
//                      rewritten to the fingerprinted URLs too.
//
// Each asset gets a strong ETag and a fingerprinted URL from the SHA-256 of its (final) bytes:
// /assets/nhsuk.min.css is also served as /assets/nhsuk.min.<16 hex>.css, which is immutable.
// Text assets that compress well also get a gzip variant (level 9, deterministic header).
// The output is deterministic: same inputs, same bytes (so ccache hits).
// Fails (exit 1, message on stderr) when an expected file is missing or the CSS references an
// off-site URL other than the fonts it knows how to strip.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

function fail(message) {
  process.stderr.write(`embed-assets: ${message}\n`);
  process.exit(1);
}

const [nhsukDir, staticDir, outFile] = process.argv.slice(2);
if (!nhsukDir || !staticDir || !outFile) {
  fail('usage: embed-assets.mjs <nhsuk-frontend dir> <static dir> <out.cc>');
}
const dist = join(nhsukDir, 'dist', 'nhsuk');
function read(path) {
  if (!existsSync(path)) fail(`missing ${path} (run scripts/install-deps, or npm ci)`);
  return readFileSync(path);
}
const nhsukVersion = JSON.parse(read(join(nhsukDir, 'package.json'))).version;

const CONTENT_TYPES = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
};
const COMPRESSIBLE = new Set(['css', 'js', 'svg']);

function extensionOf(path) {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1);
}

// Logical path ("nhsuk.min.css") → { path, url, contentType, body, etag, gzip }.
const assets = new Map();

function add(logical, body) {
  const ext = extensionOf(logical);
  const contentType = CONTENT_TYPES[ext];
  if (!contentType) fail(`no content type for ${logical}`);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const dot = logical.lastIndexOf('.');
  const url = `/assets/${logical.slice(0, dot)}.${hash}${logical.slice(dot)}`;
  let gzip = null;
  if (COMPRESSIBLE.has(ext)) {
    const z = gzipSync(body, { level: 9 });
    if (z.length < body.length * 0.9) gzip = z;
  }
  assets.set(logical, { path: `/assets/${logical}`, url, contentType, body, etag: `"${hash}"`, gzip });
}

// Replaces references to already-embedded assets — "/assets/<logical>" right after a quote or an
// opening parenthesis, as in url(...) and import '...' — by their fingerprinted URLs.
function rewriteAssetReferences(text, from) {
  return text.replace(/(["'(])\/assets\/([A-Za-z0-9._\/-]+)/g, (whole, open, logical) => {
    const asset = assets.get(logical);
    if (!asset) fail(`${from} references /assets/${logical}, which is not embedded`);
    return open + asset.url;
  });
}

function stripSourceMap(text) {
  return text.replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '').replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '');
}

// ---- the NHS.UK frontend stylesheet and the images it references ---------------------------
let css = stripSourceMap(read(join(dist, 'nhsuk-frontend.min.css')).toString('utf8'));
css = css.replace(/@font-face\{[^}]*https:\/\/assets\.nhs\.uk\/fonts\/[^}]*\}/g, '');
for (const m of css.matchAll(/url\(([^)]*)\)/g)) {
  const target = m[1].replace(/^["']|["']$/g, '');
  if (target.startsWith('data:')) continue;
  if (!target.startsWith('/assets/')) fail(`nhsuk-frontend.min.css references ${target} (off-site)`);
  const logical = target.slice('/assets/'.length);
  if (!assets.has(logical)) add(logical, read(join(dist, 'assets', logical)));
}
add('nhsuk.min.css', Buffer.from(rewriteAssetReferences(css, 'nhsuk-frontend.min.css'), 'utf8'));

// ---- the NHS.UK frontend JavaScript (an ES module) and ours ------------------------------------
const js = stripSourceMap(read(join(dist, 'nhsuk-frontend.min.js')).toString('utf8'));
if (/\/assets\//.test(js)) fail('nhsuk-frontend.min.js references /assets/: teach embed-assets.mjs');
add('nhsuk.min.js', Buffer.from(js, 'utf8'));
const ours = read(join(staticDir, 'throughcare.mjs')).toString('utf8');
add('throughcare.js', Buffer.from(rewriteAssetReferences(ours, 'throughcare.mjs'), 'utf8'));

// ---- C++ output ------------------------------------------------------------------------------
// Bytes as adjacent narrow string literals: printable ASCII as is, the rest as 3-digit octal
// escapes (never followed by a digit ambiguity: octal escapes stop after three digits).
function cxxLiteral(buf) {
  const lines = [];
  let line = '';
  for (const byte of buf) {
    let piece;
    if (byte === 0x22) piece = '\\"';
    else if (byte === 0x5c) piece = '\\\\';
    else if (byte === 0x3f) piece = '\\?';
    else if (byte === 0x0a) piece = '\\n';
    else if (byte >= 0x20 && byte < 0x7f) piece = String.fromCharCode(byte);
    else piece = '\\' + byte.toString(8).padStart(3, '0');
    line += piece;
    if (line.length >= 96 || byte === 0x0a) {
      lines.push(`    "${line}"`);
      line = '';
    }
  }
  if (line || lines.length === 0) lines.push(`    "${line}"`);
  return lines.join('\n');
}
function cxxString(s) {
  return JSON.stringify(s); // the strings here are ASCII without backslashes
}

const out = [];
out.push(`// Generated by tools/web-assets/embed-assets.mjs from nhsuk-frontend ${nhsukVersion} and`);
out.push('// src/web/static. Do not edit.');
out.push('#include "web/assets_data.h"');
out.push('');
out.push('namespace tc::web::internal {');
out.push('namespace {');
out.push('');
const entries = [];
let index = 0;
for (const asset of [...assets.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
  const body = `kBody${index}`;
  out.push(`// ${asset.path} (${asset.body.length} bytes)`);
  out.push(`constexpr char ${body}[] =\n${cxxLiteral(asset.body)};`);
  let gzip = 'std::string_view()';
  if (asset.gzip) {
    out.push(`constexpr char kGzip${index}[] =\n${cxxLiteral(asset.gzip)};`);
    gzip = `std::string_view(kGzip${index}, ${asset.gzip.length})`;
  }
  out.push('');
  entries.push(
    `    {${cxxString(asset.path)}, ${cxxString(asset.url)}, ${cxxString(asset.contentType)},\n` +
      `     std::string_view(${body}, ${asset.body.length}), ${cxxString(asset.etag)}, ${gzip}},`,
  );
  ++index;
}
out.push(`constexpr Asset kAssets[] = {\n${entries.join('\n')}\n};`);
out.push('');
out.push('}  // namespace');
out.push('');
out.push('std::span<const Asset> EmbeddedAssets() { return kAssets; }');
out.push('');
out.push('}  // namespace tc::web::internal');
out.push('');

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, out.join('\n'));
