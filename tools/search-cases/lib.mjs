// An independent, deliberately simple model of FHIR R4 search (spec section 3.1.1) over the
// spec's example resources, used to derive the expected ids of src/engine/testdata/search/*.txt
// and by the differential tests in test/interop/. It shares no code with Throughcare: values are
// extracted with HL7's FHIRPath engine (npm `fhirpath`) from the SearchParameter resources of the
// spec package (Bundle-searchParams.json), and the matching rules are written here by hand.
//
// Simplifications (cases are chosen so that they do not matter; each is named where it applies):
//   * `X.where(resolve() is T)` is evaluated as the references in X whose text starts "T/";
//   * a dateTime without a timezone is read as UTC;
//   * `ap` (approximately) is not modelled; token :in/:not-in/:above/:below are not modelled;
//   * string matching folds case and accents with Unicode NFD (drop combining marks) + lower case.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const nodeModules = process.env.TC_NODE_MODULES || path.join(repoRoot, 'node_modules');
export const examplesDir = path.join(nodeModules, 'hl7.fhir.r4.examples');

// ---------------------------------------------------------------- loading

export function knownInvalidExamples() {
  const text = fs.readFileSync(
    path.join(repoRoot, 'src/fhir/testdata/known-invalid-examples.txt'), 'utf8');
  const names = new Set();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t && !t.startsWith('#')) names.add(t.split(/\s/)[0]);
  }
  return names;
}

// Every JSON example of the spec package except package.json and the known-invalid ones, in file
// name order; a later file with the same Type/id replaces an earlier one (as PUT would).
export function loadExamples() {
  const skip = knownInvalidExamples();
  const byKey = new Map();
  for (const name of fs.readdirSync(examplesDir).sort()) {
    if (!name.endsWith('.json') || name === 'package.json' || skip.has(name)) continue;
    const r = JSON.parse(fs.readFileSync(path.join(examplesDir, name), 'utf8'));
    if (!r.resourceType || !r.id) continue;
    byKey.set(`${r.resourceType}/${r.id}`, r);
  }
  return [...byKey.values()];
}

export class Params {
  constructor() {
    const bundle = JSON.parse(
      fs.readFileSync(path.join(examplesDir, 'Bundle-searchParams.json'), 'utf8'));
    this.byUrl = new Map();
    this.byType = new Map();  // resource type -> code -> SearchParameter
    this.common = new Map();  // code -> SearchParameter of Resource / DomainResource
    for (const { resource: sp } of bundle.entry) {
      this.byUrl.set(sp.url, sp);
      for (const base of sp.base) {
        if (base === 'Resource' || base === 'DomainResource') {
          this.common.set(sp.code, sp);
          continue;
        }
        if (!this.byType.has(base)) this.byType.set(base, new Map());
        this.byType.get(base).set(sp.code, sp);
      }
    }
  }
  get(type, code) { return this.byType.get(type)?.get(code) ?? this.common.get(code); }
  all(type) {
    const out = new Map(this.common);
    for (const [c, sp] of this.byType.get(type) ?? []) out.set(c, sp);
    return out;
  }
}

// ---------------------------------------------------------------- extraction

const compiled = new Map();
function compile(expr) {
  let fn = compiled.get(expr);
  if (!fn) {
    // resolve() cannot reach other resources here: `X.where(resolve() is T)` keeps the
    // references of X whose text names type T.
    const rewritten = expr.replace(/\.where\(resolve\(\) is ([A-Za-z]+)\)/g,
      ".where(reference.startsWith('$1/'))");
    fn = fhirpath.compile(rewritten, r4, { resolveInternalTypes: false });
    compiled.set(expr, fn);
  }
  return fn;
}

// The nodes an expression finds on `resource` (or on `node` for composite components):
// [{type: FHIR type name, value: JSON value}].
export function evaluate(expr, resource) {
  if (!expr) return [];
  let nodes;
  try {
    nodes = compile(expr)(resource);
  } catch (e) {
    // FHIRPath's `as` operator is an error on more than one item; R4 search expressions such as
    // `(Observation.component.value as Quantity)` mean every item of that type, so retry those
    // with ofType().
    const lenient = expr.replace(/([A-Za-z0-9_.]+) as ([A-Za-z]+)\)/g, '$1.ofType($2))');
    if (lenient === expr) return [];
    try {
      nodes = compile(lenient)(resource);
    } catch (e2) {
      return [];
    }
  }
  return nodes.map(nodeOf).filter((n) => n.value !== null && n.value !== undefined);
}

function nodeOf(n) {
  if (n && typeof n === 'object' && 'fhirNodeDataType' in n) {
    let v = n.data;
    if (v && typeof v === 'object' && typeof v.toJSON === 'function' && !Array.isArray(v)) {
      v = v.toJSON();
    }
    return { type: n.fhirNodeDataType || n.path, value: v };
  }
  if (n && typeof n === 'object' && typeof n.toJSON === 'function') {
    return { type: typeof n.toJSON(), value: n.toJSON() };
  }
  return { type: typeof n, value: n };
}

// ---------------------------------------------------------------- value models per type

export function fold(s) {
  return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

// Tokens of a node: [{system, code}] (system undefined = none).
export function tokensOf(node) {
  const v = node.value;
  switch (node.type) {
    case 'Coding':
      return v.code !== undefined ? [{ system: v.system, code: v.code }] : [];
    case 'CodeableConcept':
      return (v.coding ?? []).filter((c) => c.code !== undefined)
        .map((c) => ({ system: c.system, code: c.code }));
    case 'Identifier':
      return v.value !== undefined ? [{ system: v.system, code: v.value }] : [];
    case 'ContactPoint':
      return v.value !== undefined ? [{ system: undefined, code: v.value }] : [];
    case 'boolean':
      return [{ system: undefined, code: String(v) }];
    default:
      return typeof v === 'object' ? [] : [{ system: undefined, code: String(v) }];
  }
}

// Texts a :text token search looks at (CodeableConcept.text, Coding.display, Identifier.type.text).
export function tokenTextsOf(node) {
  const v = node.value;
  switch (node.type) {
    case 'Coding': return v.display ? [v.display] : [];
    case 'CodeableConcept':
      return [v.text, ...(v.coding ?? []).map((c) => c.display)].filter(Boolean);
    case 'Identifier':
      return [v.type?.text, ...(v.type?.coding ?? []).map((c) => c.display)].filter(Boolean);
    default: return [];
  }
}

// Strings of a node for string search.
export function stringsOf(node) {
  const v = node.value;
  if (typeof v !== 'object') return [String(v)];
  const parts = [];
  const add = (x) => { if (x !== undefined && x !== null) parts.push(...[x].flat().map(String)); };
  switch (node.type) {
    case 'HumanName':
      add(v.text); add(v.family); add(v.given); add(v.prefix); add(v.suffix);
      break;
    case 'Address':
      add(v.text); add(v.line); add(v.city); add(v.district); add(v.state); add(v.postalCode);
      add(v.country);
      break;
    default:
      break;
  }
  return parts;
}

// Reference targets of a node: strings as written (Reference.reference, canonical, uri).
export function referencesOf(node) {
  const v = node.value;
  if (typeof v === 'string') return [v];
  if (v && typeof v.reference === 'string') return [v.reference];
  return [];
}

export function referenceIdentifiersOf(node) {
  const v = node.value;
  return v && v.identifier && v.identifier.value !== undefined
    ? [{ system: v.identifier.system, code: v.identifier.value }] : [];
}

// --- dates: [lo, hi) in milliseconds since the epoch, from a date/dateTime/instant string.
const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function dateRange(text) {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  let offsetMs = 0;
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    offsetMs = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  }
  const Y = Number(y);
  if (mo === undefined) return [Date.UTC(Y, 0, 1), Date.UTC(Y + 1, 0, 1)];
  const M = Number(mo) - 1;
  if (d === undefined) return [Date.UTC(Y, M, 1), Date.UTC(Y, M + 1, 1)];
  const D = Number(d);
  if (h === undefined) return [Date.UTC(Y, M, D), Date.UTC(Y, M, D + 1)];
  const base = Date.UTC(Y, M, D, Number(h), Number(mi), Number(s ?? 0)) - offsetMs;
  if (s === undefined) return [base, base + 60000];
  if (frac === undefined) return [base, base + 1000];
  const ms = Number(`0.${frac}`) * 1000;
  const unit = 10 ** (3 - Math.min(frac.length, 3));
  return [base + Math.floor(ms), base + Math.floor(ms) + unit];
}

export function dateRangesOf(node) {
  const v = node.value;
  if (typeof v === 'string') { const r = dateRange(v); return r ? [r] : []; }
  if (!v || typeof v !== 'object') return [];
  if (node.type === 'Period') {
    const lo = v.start ? dateRange(v.start)?.[0] : -Infinity;
    const hi = v.end ? dateRange(v.end)?.[1] : Infinity;
    return lo === undefined || hi === undefined ? [] : [[lo, hi]];
  }
  if (node.type === 'Timing') {
    return (v.event ?? []).map(dateRange).filter(Boolean);
  }
  return [];
}

// --- numbers and quantities: decimal values as JS numbers (the examples need no more).
export function numbersOf(node) {
  const v = node.value;
  if (typeof v === 'number') return [{ value: v }];
  if (v && typeof v === 'object' && node.type === 'Money' && typeof v.value === 'number') {
    return [{ value: v.value, system: 'urn:iso:std:iso:4217', code: v.currency }];
  }
  if (v && typeof v === 'object' && typeof v.value === 'number') {
    return [{ value: v.value, system: v.system, code: v.code, unit: v.unit ?? v.currency,
              comparator: v.comparator }];
  }
  return [];
}

// ---------------------------------------------------------------- parsing search values

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

function splitPrefix(value) {
  const p = value.slice(0, 2);
  if (PREFIXES.includes(p) && /^[0-9+-.]/.test(value.slice(2))) return [p, value.slice(2)];
  return ['eq', value];
}

// Splits on an unescaped separator and unescapes (`\,` `\|` `\$` `\\`).
export function splitEscaped(s, sep) {
  const out = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; continue; }
    if (s[i] === sep) { out.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  out.push(cur);
  return out;
}
const unescape = (s) => s.replace(/\\(.)/g, '$1');

function precisionRange(text) {
  // The implicit range of a decimal search value: ± half a unit of its last significant digit.
  const m = /^[+-]?(\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  const decimals = (m?.[2]?.length ?? 0) - Number(m?.[3] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  const v = Number(text);
  return [v - half, v + half];
}

function compareRange(prefix, [tlo, thi], [slo, shi], inclusiveHi) {
  // Target range [tlo, thi) against search range [slo, shi) (R4 3.1.1.4.2 / 3.1.1.4.1).
  const contains = tlo >= slo && (inclusiveHi ? thi <= shi : thi <= shi);
  switch (prefix) {
    case 'eq': return contains;
    case 'ne': return !contains;
    case 'gt': return thi > shi;
    case 'lt': return tlo < slo;
    case 'ge': return thi > shi || contains;
    case 'le': return tlo < slo || contains;
    case 'sa': return tlo >= shi;
    case 'eb': return thi <= slo;
    default: throw new Error(`prefix ${prefix} is not modelled`);
  }
}

// ---------------------------------------------------------------- the search model

export class SearchModel {
  constructor(resources, params = new Params()) {
    this.params = params;
    this.resources = resources;
    this.byType = new Map();
    this.byKey = new Map();
    for (const r of resources) {
      if (!this.byType.has(r.resourceType)) this.byType.set(r.resourceType, []);
      this.byType.get(r.resourceType).push(r);
      this.byKey.set(`${r.resourceType}/${r.id}`, r);
    }
    this.nodeCache = new Map();
  }

  nodes(resource, sp) {
    const key = `${resource.resourceType}/${resource.id}\u0000${sp.url}`;
    let n = this.nodeCache.get(key);
    if (!n) {
      n = evaluate(sp.expression, resource);
      this.nodeCache.set(key, n);
    }
    return n;
  }

  // Runs `Type?query`: {matches: [ids], included: ["Type/id"]}.
  search(type, query) {
    const params = new URLSearchParams(query);
    let candidates = this.byType.get(type) ?? [];
    const includes = [];
    const revincludes = [];
    for (const [name, value] of params) {
      if (name === '_include') { includes.push(value); continue; }
      if (name === '_revinclude') { revincludes.push(value); continue; }
      if (name === '_count' || name === '_sort' || name === '_total') continue;
      candidates = candidates.filter((r) => this.matchParam(r, name, value));
    }
    const matches = candidates.map((r) => r.id).sort();
    const included = new Set();
    for (const inc of includes) {
      const [srcType, code, target] = inc.split(':');
      for (const r of candidates) {
        if (r.resourceType !== srcType) continue;
        for (const ref of this.refsOf(r, code)) {
          const t = this.resolve(ref);
          if (t && (!target || t.resourceType === target)) included.add(`${t.resourceType}/${t.id}`);
        }
      }
    }
    for (const inc of revincludes) {
      const [srcType, code] = inc.split(':');
      const keys = new Set(candidates.map((r) => `${r.resourceType}/${r.id}`));
      for (const r of this.byType.get(srcType) ?? []) {
        for (const ref of this.refsOf(r, code)) {
          if (keys.has(ref)) included.add(`${r.resourceType}/${r.id}`);
        }
      }
    }
    for (const id of matches) included.delete(`${type}/${id}`);
    return { matches, included: [...included].sort() };
  }

  refsOf(resource, code) {
    const sp = this.params.get(resource.resourceType, code);
    if (!sp || sp.type !== 'reference') return [];
    return this.nodes(resource, sp).flatMap(referencesOf);
  }

  resolve(ref) {
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
    return m ? this.byKey.get(ref) : undefined;
  }

  // One `name=value` (value: comma-separated alternatives) against a resource.
  matchParam(resource, name, value) {
    const type = resource.resourceType;
    if (name === '_id') return value.split(',').includes(resource.id);
    if (name.startsWith('_has:')) return this.matchHas(resource, name, value);
    if (name === '_list') {
      return value.split(',').some((id) => {
        const list = this.byKey.get(`List/${id}`);
        return (list?.entry ?? []).some((e) => e.item?.reference === `${type}/${resource.id}`);
      });
    }
    if (name === '_text') {
      const words = fold(htmlText(resource.text?.div ?? '')).split(/[^a-z0-9]+/);
      return value.split(',').some((w) => words.includes(fold(w)));
    }
    // Chains: code[:Type].rest
    const dot = name.indexOf('.');
    if (dot > 0) {
      const [code, targetType] = name.slice(0, dot).split(':');
      const rest = name.slice(dot + 1);
      return this.refsOf(resource, code).some((ref) => {
        const t = this.resolve(ref);
        // A target type without the chained parameter simply does not match.
        return t && (!targetType || t.resourceType === targetType) &&
          (rest.includes('.') || rest.startsWith('_') ||
           this.params.get(t.resourceType, rest.split(':')[0])) &&
          this.matchParam(t, rest, value);
      });
    }
    const [code, modifier] = name.split(':');
    const sp = this.params.get(type, code);
    if (!sp) throw new Error(`unknown parameter ${type}.${code}`);
    const nodes = this.nodes(resource, sp);
    if (modifier === 'missing') {
      const present = this.hasValues(sp, nodes);
      return value === 'true' ? !present : present;
    }
    const alternatives = splitEscaped(value, ',');
    if (modifier === 'not') {
      return !alternatives.some((v) => this.matchValue(resource, sp, nodes, undefined, v));
    }
    return alternatives.some((v) => this.matchValue(resource, sp, nodes, modifier, v));
  }

  matchHas(resource, name, value) {
    // _has:Type:refParam:rest (rest may itself be _has:...)
    const parts = name.split(':');
    const [, srcType, refCode] = parts;
    const rest = parts.slice(3).join(':');
    const key = `${resource.resourceType}/${resource.id}`;
    return (this.byType.get(srcType) ?? []).some((src) =>
      this.refsOf(src, refCode).includes(key) && this.matchParam(src, rest, value));
  }

  hasValues(sp, nodes) {
    switch (sp.type) {
      case 'token': return nodes.some((n) => tokensOf(n).length > 0);
      case 'string': return nodes.some((n) => stringsOf(n).length > 0);
      case 'reference': return nodes.some((n) => referencesOf(n).length > 0);
      case 'date': return nodes.some((n) => dateRangesOf(n).length > 0);
      case 'number': case 'quantity': return nodes.some((n) => numbersOf(n).length > 0);
      default: return nodes.length > 0;
    }
  }

  matchValue(resource, sp, nodes, modifier, value) {
    switch (sp.type) {
      case 'token': return matchToken(nodes, modifier, value);
      case 'string': return matchString(nodes, modifier, value);
      case 'uri': return matchUri(nodes, modifier, value);
      case 'date': return matchDate(nodes, value);
      case 'number': return matchNumber(nodes, value);
      case 'quantity': return matchQuantity(nodes, value);
      case 'reference': return matchReference(nodes, sp, modifier, value);
      case 'composite': return this.matchComposite(resource, sp, nodes, value);
      default: throw new Error(`type ${sp.type} (${sp.code}) is not modelled`);
    }
  }

  matchComposite(resource, sp, nodes, value) {
    // Each element the composite's expression finds must match every component, the components
    // evaluated on that element: `(expression)[i].select(component)` from the resource root keeps
    // fhirpath.js's typing of choice elements (value[x]).
    const parts = splitEscaped(value, '$');
    if (parts.length !== sp.component.length) return false;
    return nodes.some((_, i) => sp.component.every((c, k) => {
      const def = this.params.byUrl.get(c.definition);
      const sub = evaluate(`(${sp.expression})[${i}].select(${c.expression})`, resource);
      return this.matchValue(resource, def, sub, undefined, parts[k]);
    }));
  }
}

function htmlText(div) {
  return div.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function matchToken(nodes, modifier, value) {
  if (modifier === 'text') {
    const q = fold(value);
    return nodes.some((n) => tokenTextsOf(n).some((t) => fold(t).startsWith(q)));
  }
  if (modifier === 'of-type') {
    const [sys, code, v] = splitEscaped(value, '|').map(unescape);
    return nodes.some((n) => n.type === 'Identifier' && n.value.value === v &&
      (n.value.type?.coding ?? []).some((c) => c.system === sys && c.code === code));
  }
  if (modifier !== undefined) throw new Error(`token :${modifier} is not modelled`);
  const parts = splitEscaped(value, '|').map(unescape);
  const toks = nodes.flatMap(tokensOf);
  if (parts.length === 1) return toks.some((t) => t.code === parts[0]);
  const [sys, code] = parts;
  if (sys === '') return toks.some((t) => t.system === undefined && t.code === code);
  if (code === '') return toks.some((t) => t.system === sys);
  return toks.some((t) => t.system === sys && t.code === code);
}

function matchString(nodes, modifier, value) {
  const strs = nodes.flatMap(stringsOf);
  const v = unescape(value);
  if (modifier === 'exact') return strs.some((s) => s === v);
  const q = fold(v);
  if (modifier === 'contains') return strs.some((s) => fold(s).includes(q));
  if (modifier !== undefined) throw new Error(`string :${modifier} is not modelled`);
  return strs.some((s) => fold(s).startsWith(q));
}

function matchUri(nodes, modifier, value) {
  const uris = nodes.map((n) => n.value).filter((v) => typeof v === 'string');
  const v = unescape(value);
  if (modifier === 'below') return uris.some((u) => u.startsWith(v));
  if (modifier === 'above') return uris.some((u) => v.startsWith(u));
  if (modifier !== undefined) throw new Error(`uri :${modifier} is not modelled`);
  return uris.some((u) => u === v);
}

function matchDate(nodes, value) {
  const [prefix, text] = splitPrefix(value);
  const search = dateRange(text);
  if (!search) throw new Error(`bad date ${value}`);
  return nodes.flatMap(dateRangesOf).some((t) => compareRange(prefix, t, search));
}

function numberMatches(prefix, target, text) {
  const [lo, hi] = precisionRange(text);
  const v = Number(text);
  switch (prefix) {
    case 'eq': return target >= lo && target < hi;
    case 'ne': return !(target >= lo && target < hi);
    case 'gt': return target > v;
    case 'lt': return target < v;
    case 'ge': return target >= v;
    case 'le': return target <= v;
    case 'sa': return target > v;
    case 'eb': return target < v;
    default: throw new Error(`prefix ${prefix} is not modelled`);
  }
}

function matchNumber(nodes, value) {
  const [prefix, text] = splitPrefix(value);
  return nodes.flatMap(numbersOf).some((n) => numberMatches(prefix, n.value, text));
}

function matchQuantity(nodes, value) {
  const [num, sys, code] = splitEscaped(value, '|').map(unescape);
  const [prefix, text] = splitPrefix(num);
  return nodes.flatMap(numbersOf).some((q) => {
    if (!numberMatches(prefix, q.value, text)) return false;
    if (code === undefined || code === '') return true;
    if (sys) return q.system === sys && q.code === code;
    return q.code === code || q.unit === code;
  });
}

function matchReference(nodes, sp, modifier, value) {
  if (modifier === 'identifier') {
    const [sys, code] = splitEscaped(value, '|').map(unescape);
    const ids = nodes.flatMap(referenceIdentifiersOf);
    return code === undefined ? ids.some((i) => i.code === sys)
      : ids.some((i) => i.code === code && (sys === '' ? i.system === undefined : i.system === sys));
  }
  const refs = nodes.flatMap(referencesOf);
  const v = unescape(value);
  if (modifier !== undefined) {
    // :Type
    return refs.some((r) => r === `${modifier}/${v}`);
  }
  if (v.includes('/')) return refs.some((r) => r === v);
  // A bare id: Type/id for any target type.
  return refs.some((r) => {
    const m = /^([A-Z][A-Za-z]+)\/([^/]+)$/.exec(r);
    return m && m[2] === v && (sp.target ?? []).includes(m[1]);
  });
}

// ---------------------------------------------------------------- case files

// Parses one case file: [{line, query, type, params, expected: [ids] | null, comment}].
export function readCases(file) {
  const cases = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let body = line;
    let comment = '';
    const hash = line.indexOf(' #');
    if (hash >= 0) { comment = line.slice(hash + 2).trim(); body = line.slice(0, hash).trim(); }
    const arrow = body.indexOf(' => ');
    const query = (arrow >= 0 ? body.slice(0, arrow) : body).trim();
    const expectedText = arrow >= 0 ? body.slice(arrow + 4).trim() : null;
    const q = query.indexOf('?');
    cases.push({
      lineNo: i + 1, query, type: query.slice(0, q), params: query.slice(q + 1),
      expected: expectedText === null ? null
        : expectedText === '(none)' ? [] : expectedText.split(','),
      comment,
    });
  });
  return { lines, cases };
}

// The ids a model search yields in case-file form: matches, then included as Type/id.
export function resultIds(result) {
  return [...result.matches, ...result.included].sort();
}
