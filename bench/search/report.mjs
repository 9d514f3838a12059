// Prints the search-at-scale figures (Markdown) from bench/search-scale.sh's JSON results, with
// the targets of issue 3 item 9 next to them.
// Usage: node report.mjs WORK_DIR SCALE... PEER_SCALE   (PEER_SCALE 0 = none)
import { existsSync, readFileSync } from 'node:fs';

const [work, ...rest] = process.argv.slice(2);
const peerScale = Number(rest.pop());
const scales = rest.map(Number).filter((n) => existsSync(`${work}/tc-${n}.json`)).sort((a, b) => a - b);
const read = (f) => (existsSync(`${work}/${f}`) ? JSON.parse(readFileSync(`${work}/${f}`, 'utf8')) : null);
const tc = Object.fromEntries(scales.map((n) => [n, read(`tc-${n}.json`)]));
const loads = Object.fromEntries(scales.map((n) => [n, read(`load-${n}.json`)]));
const peer = peerScale ? read(`peer-${peerScale}.json`) : null;
const peerLoad = peerScale ? read(`peer-load-${peerScale}.json`) : null;
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const int = (x) => (x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-GB'));
const k = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
if (!scales.length) { console.log('no results'); process.exit(0); }

const small = scales[0], big = scales[scales.length - 1];
console.log(`\nSearch at scale: ${scales.map((n) => `${int(n)} patients`).join(', ')}` +
            `${peer ? `; Medplum peer at ${int(peerScale)}` : ''}. Times in ms through HTTP, one keep-alive connection.`);
const head = ['query'];
for (const n of scales) head.push(`p50 @${k(n)}`, `p99 @${k(n)}`);
if (scales.length > 1) head.push(`p99 ${k(big)}/${k(small)}`, `p50 ${k(big)}/${k(small)}`);
head.push('matches');
if (peer) head.push(`peer p50 @${k(peerScale)}`, `peer p99`, 'peer/tc p50');
head.push('met (p50 ≤ 2, p99 ≤ 10' + (scales.length > 1 ? ', growth ≤ 1.5' : '') + ')');
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
const missed = [];
for (const q of tc[big].queries) {
  const row = [q.name];
  const byScale = scales.map((n) => tc[n].queries.find((x) => x.name === q.name));
  for (const r of byScale) row.push(fmt(r?.p50), fmt(r?.p99));
  const growth = scales.length > 1 ? byScale[byScale.length - 1].p99 / byScale[0].p99 : null;
  if (scales.length > 1) row.push(fmt(growth), fmt(byScale[byScale.length - 1].p50 / byScale[0].p50));
  row.push(byScale.map((r) => fmt(r?.matches_mean, 1)).join(' / '));
  const everything = q.name.startsWith('$everything');
  const floor = q.name.startsWith('read ');
  if (peer) {
    const p = peer.queries.find((x) => x.name === q.name);
    const t = tc[peerScale]?.queries.find((x) => x.name === q.name);
    const differs = !p || p.errors > 0 || (t && ((p.matches_mean ?? 0) === 0) !== ((t.matches_mean ?? 0) === 0));
    row.push(differs ? 'n/a' : fmt(p.p50), differs ? 'n/a' : fmt(p.p99),
             differs || !t ? (p && p.errors ? 'error' : 'wrong answer') : `${fmt(p.p50 / t.p50, 1)}×`);
  }
  let met;
  if (floor) met = '—';
  else if (everything) met = q.p50 <= 15 ? 'yes (p50 ≤ 15)' : 'no (p50 ≤ 15)';
  else {
    const fails = [];
    if (q.p50 > 2) fails.push('p50');
    if (q.p99 > 10) fails.push('p99');
    if (growth !== null && growth > 1.5) fails.push('growth');
    if (q.errors) fails.push('errors');
    met = fails.length ? `no (${fails.join(', ')})` : 'yes';
  }
  if (met.startsWith('no')) missed.push(q.name);
  row.push(met);
  console.log(`| ${row.join(' | ')} |`);
}
console.log('\nLoad (transaction Bundles of one patient each, ~103 resources):');
console.log('| server | patients | resources | seconds | resources/s | server CPU s per 1,000 resources | bytes on disk per resource | target ≥ 25,000/s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const n of scales) {
  const l = loads[n];
  if (!l) continue;
  console.log(`| throughcare | ${int(n)} | ${int(l.resources)} | ${fmt(l.seconds, 0)} | ${int(l.resources_per_s)} | ` +
              `${fmt((1000 * l.server_cpu_s) / l.resources, 2)} | ${int(l.bytes_per_resource)} | ${l.resources_per_s >= 25000 ? 'yes' : 'no'} |`);
}
if (peerLoad) {
  console.log(`| medplum (memory) | ${int(peerScale)} | ${int(peerLoad.resources)} | ${fmt(peerLoad.seconds, 0)} | ` +
              `${int(peerLoad.resources_per_s)} | — | — | — |`);
}
console.log(missed.length ? `\nmissed: ${missed.join('; ')}` : '\nall query targets met');
