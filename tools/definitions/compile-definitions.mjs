#!/usr/bin/env node
// File: tools/definitions/compile-definitions.mjs
//
// The FHIR definitions compiler (DESIGN.md decision 2). Reads the official FHIR R4 npm package
// `hl7.fhir.r4.examples@4.0.1` (a flat directory of JSON resources) and writes the compact,
// deterministic registry that src/fhir/definitions.cc embeds in the binary. Nothing of the spec
// is hand-copied: every fact in the output is derived from the package.
//
// Usage: node compile-definitions.mjs <package-dir> <output.json>
//
// Output (format version 1; keys are short, defaults are omitted, everything is sorted):
//   {
//     "format": 1, "fhirVersion": "4.0.1",
//     "t": {                       // types by name: resources, complex datatypes, primitives,
//       "Patient": {              // plus datatype profiles used as types (SimpleQuantity...)
//         "k": "r"|"c"|"p",       // kind: resource / complex datatype / primitive
//         "a": 1,                 // abstract (omitted when false)
//         "b": "DomainResource",  // base type name (omitted for roots: Element, Resource)
//         "j": "b"|"n",           // primitives: JSON type boolean / number (omitted: string)
//         "re": "...",            // primitives: the spec's regex for the value
//         "e": [ element, ... ]   // own elements in snapshot order (see below)
//       } },
//     "sp": [ { "c": code, "u": url, "t": type, "b": [base...], "x": expression,
//               "tg": [target...], "cp": [[definition, expression], ...] } ],  // sorted by url
//                                  // (urls under http://hl7.org/fhir/SearchParameter/ are
//                                  // written without that prefix: they contain no ':')
//     "cp": { "Patient": { "Observation": ["subject", "performer"], ... } },   // compartments
//     "vs": { url: { "i": 1 /* incomplete */, "s": { system: [code...] } } }   // required bindings
//   }
// An element is { "p": path relative to the type ("contact.name"), "mn": min (omitted: 0),
// "mx": max (-1 = "*", omitted: 1), "t": [type codes], "tt": [target type names],
// "cr": content reference path, "s": 1 isSummary, "m": 1 isModifier, "rb": required ValueSet }.
//
// Inherited elements (Resource.id in Patient, Element.extension in HumanName,
// BackboneElement.modifierExtension in Patient.contact...) are left out when they are identical
// to the definition they inherit; the loader re-materialises them by walking the base chain
// (type -> base type; backbone element -> its type BackboneElement/Element). The compiler checks
// that this reconstruction reproduces every snapshot exactly (children, order, properties) and
// fails otherwise, so the compaction is lossless.

import fs from 'node:fs';
import path from 'node:path';

const SD_BASE = 'http://hl7.org/fhir/StructureDefinition/';
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const FHIRPATH_SYSTEM = 'http://hl7.org/fhirpath/System.';
// FHIRPath system types without a fhir-type extension map to the FHIR primitive of that name,
// lower-camel-cased (System.String -> string, System.DateTime -> dateTime).
const systemToFhir = (code) => {
  const s = code.slice(FHIRPATH_SYSTEM.length);
  return s.charAt(0).toLowerCase() + s.slice(1);
};

function fail(message) {
  process.stderr.write(`compile-definitions: ${message}\n`);
  process.exit(1);
}

const [, , packageDir, outFile] = process.argv;
if (!packageDir || !outFile) fail('usage: compile-definitions.mjs <package-dir> <output.json>');

// ---------------------------------------------------------------------------------------------
// Read the package.

const byType = new Map();  // resourceType -> [resource]
const files = fs.readdirSync(packageDir).filter((f) => f.endsWith('.json')).sort();
const wanted = new Set([
  'StructureDefinition', 'SearchParameter', 'CompartmentDefinition', 'ValueSet', 'CodeSystem',
]);
let fhirVersion = '';
for (const f of files) {
  if (f === 'package.json') {
    fhirVersion = (JSON.parse(fs.readFileSync(path.join(packageDir, f), 'utf8')).fhirVersions ||
                   [''])[0];
    continue;
  }
  const prefix = f.split('-')[0];
  if (!wanted.has(prefix)) continue;  // cheap filter: the package names files Type-id.json
  const res = JSON.parse(fs.readFileSync(path.join(packageDir, f), 'utf8'));
  if (!wanted.has(res.resourceType)) continue;
  if (!byType.has(res.resourceType)) byType.set(res.resourceType, []);
  byType.get(res.resourceType).push(res);
}
const list = (t) => byType.get(t) || [];
if (list('StructureDefinition').length === 0) fail(`no StructureDefinitions in ${packageDir}`);

// ---------------------------------------------------------------------------------------------
// Types.

const sdByUrl = new Map(list('StructureDefinition').map((sd) => [sd.url, sd]));
const isBaseType = (sd) =>
  ['resource', 'complex-type', 'primitive-type'].includes(sd.kind) &&
  sd.derivation !== 'constraint' && sd.snapshot;
const baseSds = list('StructureDefinition').filter(isBaseType)
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const typeNames = new Set(baseSds.map((sd) => sd.type));

// Constraint profiles of datatypes that elements use as types (Quantity + SimpleQuantity
// profile): they become alias types with the constrained datatype as base.
const profileTypes = new Map();  // name -> base type
for (const sd of baseSds) {
  for (const e of sd.snapshot.element) {
    for (const t of e.type || []) {
      for (const p of t.profile || []) {
        const prof = sdByUrl.get(p);
        if (prof && prof.derivation === 'constraint' && prof.kind === 'complex-type' &&
            typeNames.has(prof.type) && !typeNames.has(prof.id)) {
          profileTypes.set(prof.id, prof.type);
        }
      }
    }
  }
}

// The name of the type a target profile URL designates.
function profileTypeName(url) {
  const sd = sdByUrl.get(url.split('|')[0]);
  if (sd) return sd.type;
  if (url.startsWith(SD_BASE)) return url.slice(SD_BASE.length);
  return url;
}

function typeCode(sd, e, t) {
  if (!t.code.startsWith(FHIRPATH_SYSTEM)) return profileTypes.get(t.code) || t.code;
  // Resource.id: the spec (resource.html) types the logical id as `id`; the R4 snapshot
  // carries it as System.String with fhir-type "string".
  const basePath = (e.base && e.base.path) || e.path;
  if (basePath === 'Resource.id') return 'id';
  // The value of a primitive of type X is an X (the snapshot's fhir-type extension on
  // `X.value` is not reliable: positiveInt.value says "string").
  if (sd.kind === 'primitive-type' && e.path === `${sd.type}.value`) return sd.type;
  const ext = (t.extension || []).find((x) => x.url === FHIR_TYPE_EXT);
  if (ext && ext.valueUrl) return ext.valueUrl;
  return systemToFhir(t.code);
}

function compileElement(sd, e) {
  const out = {};
  const rel = e.path.slice(sd.type.length + 1);
  out.p = rel;
  if (e.min) out.mn = e.min;
  const max = e.max === '*' ? -1 : Number(e.max);
  if (Number.isNaN(max)) fail(`${e.path}: bad max ${e.max}`);
  if (max !== 1) out.mx = max;
  if (e.contentReference) {
    if (!e.contentReference.startsWith('#')) fail(`${e.path}: external contentReference`);
    out.cr = e.contentReference.slice(1);
  } else {
    const types = [];
    const targets = new Set();
    for (const t of e.type || []) {
      const code = typeCode(sd, e, t);
      if (!types.includes(code)) types.push(code);
      for (const tp of t.targetProfile || []) targets.add(profileTypeName(tp));
    }
    if (types.length) out.t = types;
    // "Resource" (or any abstract root) as a target means any resource: leave empty.
    if (targets.size && !targets.has('Resource')) out.tt = [...targets].sort();
  }
  if (e.isSummary) out.s = 1;
  if (e.isModifier) out.m = 1;
  if (e.binding && e.binding.strength === 'required' && e.binding.valueSet) {
    out.rb = e.binding.valueSet.split('|')[0];
  }
  return out;
}

const elementKey = (el) => JSON.stringify({...el, p: el.p.split('.').pop()});

const types = {};  // name -> compiled type
const fullChildren = new Map();  // context -> [compiled element] (the snapshot's direct children)
const contextBase = new Map();   // context -> base context ("" for roots)

for (const sd of baseSds) {
  const t = {
    k: sd.kind === 'resource' ? 'r' : sd.kind === 'primitive-type' ? 'p' : 'c',
  };
  if (sd.abstract) t.a = 1;
  if (sd.baseDefinition) t.b = profileTypeName(sd.baseDefinition);
  contextBase.set(sd.type, t.b || '');
  const elements = [];
  for (const e of sd.snapshot.element) {
    if (e.sliceName) fail(`${e.id}: slices are not expected in base definitions`);
    if (e.path === sd.type) continue;  // the root element
    const el = compileElement(sd, e);
    elements.push(el);
    const parent = e.path.slice(0, e.path.lastIndexOf('.'));
    if (!fullChildren.has(parent)) fullChildren.set(parent, []);
    fullChildren.get(parent).push(el);
    if (el.t && (el.t[0] === 'BackboneElement' || el.t[0] === 'Element') && !el.cr) {
      contextBase.set(e.path, el.t[0]);
    }
    if (sd.kind === 'primitive-type' && e.path === `${sd.type}.value`) {
      const sys = e.type[0].code;
      if (sys === `${FHIRPATH_SYSTEM}Boolean`) t.j = 'b';
      else if (sys === `${FHIRPATH_SYSTEM}Integer` || sys === `${FHIRPATH_SYSTEM}Decimal`) {
        t.j = 'n';
      }
      const rx = (e.type[0].extension || []).find((x) => x.url === REGEX_EXT);
      if (rx && rx.valueString) t.re = rx.valueString;
    }
  }
  t.e = elements;
  types[sd.type] = t;
}
// A primitive derived from another (positiveInt from integer, code from string) is written in
// JSON like its base.
for (const t of Object.values(types)) {
  if (t.k !== 'p') continue;
  for (let b = t; b && b.k === 'p'; b = types[b.b]) {
    if (b.j) {
      const elements = t.e;
      delete t.e;  // keep "e" last in the output, as for every other type
      t.j = b.j;
      t.e = elements;
      break;
    }
  }
}
for (const [name, base] of profileTypes) {
  types[name] = {k: 'c', b: base, e: []};
  contextBase.set(name, base);
}

// Strip inherited elements that are identical to their inherited definition, then check that
// the loader's reconstruction reproduces the snapshot.
const childName = (el) => el.p.split('.').pop();
function inheritedChildren(context) {
  const base = contextBase.get(context);
  return base ? fullChildren.get(base) || reconstruct(base) : [];
}
const reconstructCache = new Map();
function reconstruct(context, own) {
  if (!own && reconstructCache.has(context)) return reconstructCache.get(context);
  const mine = own || ownChildren.get(context) || [];
  const byName = new Map(mine.map((el) => [childName(el), el]));
  const out = [];
  for (const inh of inheritedChildren(context)) {
    const n = childName(inh);
    if (byName.has(n)) {
      out.push(byName.get(n));
      byName.delete(n);
    } else {
      out.push(inh);
    }
  }
  for (const el of mine) if (byName.has(childName(el))) out.push(el);
  if (!own) reconstructCache.set(context, out);
  return out;
}
const ownChildren = new Map();
for (const [context, children] of fullChildren) {
  const inherited = new Map(inheritedChildren(context).map((el) => [childName(el), el]));
  ownChildren.set(context, children.filter((el) => {
    const inh = inherited.get(childName(el));
    return !inh || elementKey(inh) !== elementKey(el);
  }));
}
for (const [context, children] of fullChildren) {
  const got = reconstruct(context).map(elementKey).join('\n');
  const want = children.map(elementKey).join('\n');
  if (got !== want) fail(`inheritance reconstruction differs from the snapshot at ${context}`);
}
for (const [name, t] of Object.entries(types)) {
  const keep = new Set();
  for (const [context, children] of ownChildren) {
    if (context === name || context.startsWith(`${name}.`)) children.forEach((el) => keep.add(el));
  }
  t.e = t.e.filter((el) => keep.has(el));
}

// ---------------------------------------------------------------------------------------------
// Search parameters. The package's own examples (ids "example...") are not part of the spec's
// parameter set. A few extension-defined parameters carry neither `base` nor `expression`; they
// are kept as published (they apply to no resource type).

const SP_BASE = 'http://hl7.org/fhir/SearchParameter/';
const shortSpUrl = (u) => (u.startsWith(SP_BASE) ? u.slice(SP_BASE.length) : u);
const searchParams = [];
for (const sp of list('SearchParameter')) {
  if (sp.id.startsWith('example')) continue;
  const base = sp.base || [];
  const out = {c: sp.code, u: shortSpUrl(sp.url), t: sp.type};
  if (base.length) out.b = [...base].sort();
  if (sp.expression) out.x = sp.expression;
  if (sp.target && sp.target.length) out.tg = [...sp.target].sort();
  if (sp.component && sp.component.length) {
    out.cp = sp.component.map((c) => [shortSpUrl(c.definition), c.expression || '']);
  }
  searchParams.push(out);
}
searchParams.sort((a, b) => (a.u < b.u ? -1 : a.u > b.u ? 1 : 0));

// ---------------------------------------------------------------------------------------------
// Compartments. The package's example CompartmentDefinition is not one of the five.

const compartments = {};
for (const cd of list('CompartmentDefinition')) {
  if (cd.id.startsWith('example') || !cd.url.startsWith('http://hl7.org/fhir/CompartmentDefinition/')) {
    continue;
  }
  const byResource = {};
  for (const r of cd.resource || []) {
    if (r.param && r.param.length) byResource[r.code] = [...r.param];
  }
  compartments[cd.code] = sortObject(byResource);
}

// ---------------------------------------------------------------------------------------------
// Value sets of required bindings, expanded from compose.

const valueSetByUrl = new Map(list('ValueSet').map((v) => [v.url, v]));
const codeSystemByUrl = new Map(list('CodeSystem').map((c) => [c.url, c]));

function addCodeSystemConcepts(concepts, system, out) {
  for (const c of concepts || []) {
    if (c.code !== undefined) out.push([system, c.code]);
    addCodeSystemConcepts(c.concept, system, out);
  }
}

// Returns {complete, codes: [[system, code]]}.
const expansionCache = new Map();
function expand(url, stack = []) {
  url = url.split('|')[0];
  if (expansionCache.has(url)) return expansionCache.get(url);
  const vs = valueSetByUrl.get(url);
  if (!vs || !vs.compose || stack.includes(url)) return {complete: false, codes: []};
  let complete = true;
  const expandPart = (part) => {
    let sets = [];
    if (part.system) {
      if (part.filter && part.filter.length) {
        complete = false;
      } else if (part.concept && part.concept.length) {
        sets.push(part.concept.map((c) => [part.system, c.code]));
      } else {
        const cs = codeSystemByUrl.get(part.system);
        if (!cs || cs.content !== 'complete') {
          complete = false;
        } else {
          const all = [];
          addCodeSystemConcepts(cs.concept, part.system, all);
          sets.push(all);
        }
      }
    }
    for (const imported of part.valueSet || []) {
      const sub = expand(imported, [...stack, url]);
      if (!sub.complete) complete = false;
      sets.push(sub.codes);
    }
    // Within one include, system and valueSet constraints intersect.
    if (sets.length === 0) return [];
    const key = (c) => `${c[0]}\u0000${c[1]}`;
    let result = sets[0];
    for (const s of sets.slice(1)) {
      const keys = new Set(s.map(key));
      result = result.filter((c) => keys.has(key(c)));
    }
    return result;
  };
  const included = new Map();
  for (const inc of vs.compose.include || []) {
    for (const c of expandPart(inc)) included.set(`${c[0]}\u0000${c[1]}`, c);
  }
  const completeBeforeExclude = complete;
  for (const exc of vs.compose.exclude || []) {
    for (const c of expandPart(exc)) included.delete(`${c[0]}\u0000${c[1]}`);
  }
  // An exclude that cannot be enumerated leaves a superset: keep it, flagged incomplete.
  complete = completeBeforeExclude && complete;
  const result = {complete, codes: [...included.values()]};
  expansionCache.set(url, result);
  return result;
}

const requiredUrls = new Set();
for (const t of Object.values(types)) for (const el of t.e) if (el.rb) requiredUrls.add(el.rb);
const valueSets = {};
for (const url of [...requiredUrls].sort()) {
  const {complete, codes} = expand(url);
  const bySystem = {};
  for (const [system, code] of codes) {
    (bySystem[system || ''] ||= []).push(code);
  }
  for (const k of Object.keys(bySystem)) bySystem[k] = [...new Set(bySystem[k])].sort();
  const out = {};
  if (!complete) out.i = 1;
  out.s = sortObject(bySystem);
  valueSets[url] = out;
}

// ---------------------------------------------------------------------------------------------
// Write.

function sortObject(o) {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

const registry = {
  format: 1,
  fhirVersion,
  t: sortObject(types),
  sp: searchParams,
  cp: sortObject(compartments),
  vs: valueSets,
};
const text = JSON.stringify(registry);
fs.mkdirSync(path.dirname(path.resolve(outFile)), {recursive: true});
// Write atomically so an interrupted build never leaves a truncated registry behind.
const tmp = `${outFile}.tmp`;
fs.writeFileSync(tmp, text);
fs.renameSync(tmp, outFile);
