#!/usr/bin/env node
// Derives the expected ids of the search cases in src/engine/testdata/search/*.txt from the spec's
// example resources, independently of Throughcare (see lib.mjs: HL7's fhirpath.js for extraction,
// hand-written FHIR R4 search semantics for matching).
//
//   node tools/search-cases/derive.mjs           # check: every `=> ids` agrees with the model
//   node tools/search-cases/derive.mjs --write   # fill in / rewrite every `=> ids`
//
// Case line: `Type?query => id1,id2` (sorted; `(none)` when empty; resources added by _include /
// _revinclude as `Type/id`), optionally followed by ` # why`. A comment starting `manual:` marks
// an expectation written by hand from reading the examples (the model does not cover it, e.g.
// UCUM conversion); --write leaves those alone and the check only reports a disagreement.
import fs from 'node:fs';
import path from 'node:path';
import { loadExamples, SearchModel, readCases, resultIds, repoRoot } from './lib.mjs';

const write = process.argv.includes('--write');
const dir = path.join(repoRoot, 'src/engine/testdata/search');
const model = new SearchModel(loadExamples());
let bad = 0;
let total = 0;
for (const name of fs.readdirSync(dir).sort()) {
  if (!name.endsWith('.txt') || name === 'known-differences.txt') continue;
  const file = path.join(dir, name);
  const { lines, cases } = readCases(file);
  for (const c of cases) {
    total++;
    let ids;
    try {
      ids = resultIds(model.search(c.type, c.params));
    } catch (e) {
      console.error(`${name}:${c.lineNo}: ${c.query}: ${e.message}`);
      bad++;
      continue;
    }
    const manual = c.comment.startsWith('manual:');
    const got = ids.length ? ids.join(',') : '(none)';
    const want = c.expected === null ? null : (c.expected.length ? c.expected.join(',') : '(none)');
    if (want !== got) {
      if (manual) {
        console.error(`${name}:${c.lineNo}: ${c.query}: manual expectation ${want}; model says ${got}`);
        continue;
      }
      if (!write) {
        console.error(`${name}:${c.lineNo}: ${c.query}: file says ${want}; model says ${got}`);
        bad++;
        continue;
      }
      lines[c.lineNo - 1] = `${c.query} => ${got}${c.comment ? `  # ${c.comment}` : ''}`;
    }
  }
  if (write) fs.writeFileSync(file, lines.join('\n'));
}
console.log(`${total} cases, ${bad} disagreements${write ? ' (written)' : ''}`);
process.exit(bad && !write ? 1 : 0);
