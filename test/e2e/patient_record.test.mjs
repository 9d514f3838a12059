// The first clinical pages (issue 5 items 7 and 12, on issue 4's access layer): a nurse's
// caseload lists only patients held at her establishment; the patient summary shows the banner
// (name, NHS number 3-3-4, date of birth and age, location, alerts, allergies) and the record's
// parts; a patient held elsewhere is refused with a way to break glass; each page is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { fhir, startServer } from '../support/server.mjs';
import { launchBrowser, screenshot } from './support/browser.mjs';
import { PASSWORD, accessible, cli, signIn } from './support/journeys.mjs';



describe('caseload and patient summary', () => {
  let server;
  let origin;
  let browser;
  let page;
  const nfd = new Set();
  let atWly;
  let arrivingFromWly;  // received at NFD by the reception test

  before(async () => {
    server = await startServer({ args: ['--demo-if-empty'] });
    origin = `http://127.0.0.1:${server.port}`;
    cli(server.dir, ['user', 'add', '--login', 'nina.nfd', '--name', 'Nina Nurse', '--role',
      'registered-nurse', '--establishment', 'NFD', '--password-stdin'], PASSWORD);
    const held = (await fhir(server.base, 'GET', '/EpisodeOfCare?organization=Organization/est-NFD&status=active&_count=200')).json;
    for (const e of held.entry ?? []) nfd.add(e.resource.patient.reference.slice('Patient/'.length));
    const wly = (await fhir(server.base, 'GET', '/Patient?organization=Organization/est-WLY&_count=2')).json;
    atWly = wly.entry[0].resource.id;
    arrivingFromWly = wly.entry[1].resource.id;
    browser = await launchBrowser();
    page = await browser.newPage();
    await signIn(page, origin, 'nina.nfd');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  test('the caseload lists exactly the patients held at the nurse\'s establishment', async () => {
    await page.click('a:text("Patients")');
    await page.waitForLoadState('load');
    const links = await page.$$eval('table a', (as) => as.map((a) => a.getAttribute('href')));
    const ids = links.map((h) => h.slice('/patients/'.length));
    assert.ok(ids.length > 0);
    assert.deepEqual(new Set(ids), nfd);
    assert.match(await page.textContent('table'), /\d{3} \d{3} \d{4}/);
    await accessible(page, 'caseload');
  });

  test('find a patient by NHS number or name, among those the nurse may see only', async () => {
    const id = [...nfd][3];
    const p = (await fhir(server.base, 'GET', `/Patient/${id}`)).json;
    const nhs = p.identifier.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number').value;
    await page.goto(`${origin}/patients`);
    await page.fill('#find', `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`);
    await Promise.all([page.waitForNavigation(), page.click('button:text("Find")')]);
    let links = await page.$$eval('table a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, [`/patients/${id}`]);
    // A WLY patient's NHS number finds nothing here.
    const w = (await fhir(server.base, 'GET', `/Patient/${atWly}`)).json;
    const wnhs = w.identifier.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number').value;
    await page.goto(`${origin}/patients?find=${wnhs}`);
    links = await page.$$eval('table a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, []);
    await page.goto(`${origin}/patients?find=${encodeURIComponent(p.name[0].family.slice(0, 3))}`);
    links = await page.$$eval('table a', (as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.includes(`/patients/${id}`));
    for (const l of links) assert.ok(nfd.has(l.slice('/patients/'.length)), 'only NFD patients');
  });

  test('the patient summary shows the banner and the record', async () => {
    const id = [...nfd][0];
    const res = await page.goto(`${origin}/patients/${id}`);
    assert.equal(res.status(), 200);
    const banner = await page.textContent('.nhsuk-card--feature');
    assert.match(banner, /NHS number\s*\d{3} \d{3} \d{4}/);
    assert.match(banner, /Date of birth\s*\d{2} \w{3} \d{4} \(\d+ years\)/);
    assert.match(banner, /HMP Northfield/);
    assert.match(await page.textContent('main'), /Recent observations/);
    assert.match(await page.textContent('main'), /Heart rate/);
    await accessible(page, 'patient-summary');
  });

  test('observations with NEWS2: errors keep what was typed, escalation is shown, no duplicates', async () => {
    const id = [...nfd][1];
    await page.goto(`${origin}/patients/${id}`);
    await page.click('text=Record observations');
    await page.waitForLoadState('load');
    await accessible(page, 'observations-form');
    // Bad input: an error summary, field messages, the typed values kept, nothing written.
    const before = (await fhir(server.base, 'GET', `/Observation?subject=Patient/${id}&_summary=count`)).json.total;
    await page.fill('#respiration', '22');
    await page.fill('#spo2', '200');
    await page.fill('#pulse', 'fast');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.title(), /^Error: /);
    const summary = await page.textContent('.nhsuk-error-summary');
    assert.match(summary, /Oxygen saturation \(SpO2\) must be between 50 and 100/);
    assert.match(summary, /Pulse must be a number/);
    assert.match(summary, /Enter the systolic blood pressure/);
    assert.match(summary, /Select air or supplemental oxygen/);
    assert.equal(await page.inputValue('#respiration'), '22');
    assert.equal(await page.inputValue('#spo2'), '200');
    await accessible(page, 'observations-errors');
    assert.equal((await fhir(server.base, 'GET', `/Observation?subject=Patient/${id}&_summary=count`)).json.total, before);
    // Valid: respiration 22 (2) + SpO2 93 (2) + pulse 115 (2) = medium risk, 6.
    await page.fill('#spo2', '93');
    await page.fill('#systolic', '128');
    await page.fill('#pulse', '115');
    await page.fill('#temperature', '37.2');
    await page.check('#oxygen-1');
    await page.check('#consciousness-1');
    const form = await page.$$eval('form[action$="/observations"] input[type=hidden]',
      (inputs) => Object.fromEntries(inputs.map((i) => [i.name, i.value])));
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, `/patients/${id}`);
    const card = await page.textContent('main');
    assert.match(card, /Score\s*6/);
    assert.match(card, /Escalate now/);
    await screenshot(page, 'news2-escalation');
    const after = (await fhir(server.base, 'GET', `/Observation?subject=Patient/${id}&_summary=count`)).json.total;
    assert.equal(after, before + 7);
    // The same form posted again (a double submit) stores nothing twice.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'tc_session');
    const body = new URLSearchParams({ ...form, respiration: '22', spo2: '93', oxygen: 'air',
      systolic: '128', pulse: '115', consciousness: 'alert', temperature: '37.2' });
    const again = await fetch(`${origin}/patients/${id}/observations`, { method: 'POST', redirect: 'manual',
      headers: { Cookie: `tc_session=${cookie.value}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString() });
    assert.equal(again.status, 303);
    assert.equal((await fhir(server.base, 'GET', `/Observation?subject=Patient/${id}&_summary=count`)).json.total, after);
  });

  test('an alert raised on the record shows in the banner and on the worklist, and can be ended', async () => {
    const id = [...nfd][2];
    // A reception today at NFD for this patient: a new arrival on the worklist.
    const today = new Date().toISOString();
    const ep = await fhir(server.base, 'POST', '/EpisodeOfCare', { body: { resourceType: 'EpisodeOfCare',
      status: 'active', patient: { reference: `Patient/${id}` },
      managingOrganization: { reference: 'Organization/est-NFD' }, period: { start: today } } });
    assert.equal(ep.status, 201);
    await page.goto(`${origin}/patients/${id}/alerts`);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('.nhsuk-error-summary'), /Select the kind of alert/);
    await page.check('#kind-1');
    await page.fill('#detail', 'ACCT opened at reception');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, `/patients/${id}`);
    const banner = await page.textContent('.nhsuk-card--feature');
    assert.match(banner, /Self-harm risk \(ACCT open\): ACCT opened at reception/);
    await page.click('a:text("Worklist")');
    await page.waitForLoadState('load');
    const main = await page.textContent('main');
    assert.match(main, /New arrivals in the last 7 days/);
    const arrivals = await page.$$eval('main h2:text("New arrivals in the last 7 days") + table a',
      (as) => as.map((a) => a.getAttribute('href')));
    assert.ok(arrivals.includes(`/patients/${id}`), 'the new arrival is listed');
    assert.match(main, /Self-harm risk \(ACCT open\)/);
    await accessible(page, 'worklist');
    // End the alert from the record.
    await page.goto(`${origin}/patients/${id}`);
    const [ended] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/end')),
      page.click('form[action*="/alerts/"] button'),
    ]);
    await page.waitForLoadState('load');
    await page.reload();
    assert.doesNotMatch(await page.textContent('.nhsuk-card--feature'), /Self-harm risk/);
    const flags = (await fhir(server.base, 'GET', `/Flag?subject=Patient/${id}`)).json;
    assert.equal(flags.entry[0].resource.status, 'inactive');
  });

  test('reception: a new person, and a person already known elsewhere whose record moves here', async () => {
    await page.goto(`${origin}/reception`);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    const errors = await page.textContent('.nhsuk-error-summary');
    assert.match(errors, /Enter the family name/);
    assert.match(errors, /date of birth/);
    assert.match(errors, /Select the person's sex/);
    await page.fill('#family', 'Okafor');
    await page.fill('#given', 'Daniel');
    await page.fill('#dob-day', '3');
    await page.fill('#dob-month', '11');
    await page.fill('#dob-year', '1990');
    await page.check('#sex-2');
    await page.fill('#nhs', '943 476 5918');  // wrong check digit
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('.nhsuk-error-summary'), /valid NHS number/);
    assert.equal(await page.inputValue('#family'), 'Okafor');
    await page.fill('#nhs', '943 476 5919');
    await page.fill('#prison', 'a1234bc');
    await page.fill('#language', 'Polish');
    await page.check('#interpreter');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(new URL(page.url()).pathname, /^\/patients\/[0-9a-f-]+$/);
    const banner = await page.textContent('.nhsuk-card--feature');
    assert.match(banner, /OKAFOR, Daniel/);
    assert.match(banner, /943 476 5919/);
    assert.match(banner, /HMP Northfield/);
    assert.match(banner, /Communication\s*Polish, interpreter needed/);
    await screenshot(page, 'reception-new');
    const newId = new URL(page.url()).pathname.split('/')[2];
    // The reception clocks are on the worklist, soonest first; done removes one.
    await page.goto(`${origin}/worklist`);
    const tasks = await page.$$eval('main h2:text("Tasks due") + table tbody tr',
      (rows) => rows.map((r) => [r.cells[0].querySelector('a')?.getAttribute('href'), r.cells[1].textContent]));
    const mine = tasks.filter(([href]) => href === `/patients/${newId}`).map(([, t]) => t);
    assert.deepEqual(mine, ['First-stage reception screen', 'Offer blood-borne virus testing',
      'Second-stage health assessment']);
    await screenshot(page, 'worklist-tasks');
    await accessible(page);
    await Promise.all([page.waitForNavigation(),
      page.click(`main h2:text("Tasks due") + table tr:has(a[href="/patients/${newId}"]):has-text("First-stage") button`)]);
    const left = await page.$$eval('main h2:text("Tasks due") + table tbody tr',
      (rows) => rows.map((r) => r.cells[1].textContent + '@' + r.cells[0].querySelector('a')?.getAttribute('href')));
    assert.ok(!left.includes(`First-stage reception screen@/patients/${newId}`));
    assert.ok(left.includes(`Second-stage health assessment@/patients/${newId}`));

    // A person held at WLY arrives at NFD: found by NHS number, received, and visible at once.
    const theirs = (await fhir(server.base, 'GET', `/Patient/${arrivingFromWly}`)).json;
    const nhs = theirs.identifier.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number').value;
    assert.equal((await page.goto(`${origin}/patients/${arrivingFromWly}`)).status(), 403);
    await page.goto(`${origin}/reception`);
    await page.fill('#family', theirs.name[0].family);
    await page.fill('#given', theirs.name[0].given[0]);
    const [y, m, d] = theirs.birthDate.split('-');
    await page.fill('#dob-day', d);
    await page.fill('#dob-month', m);
    await page.fill('#dob-year', y);
    await page.check('#sex-2');
    await page.fill('#nhs', nhs);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await page.textContent('h1'), /already registered/);
    await accessible(page);
    await Promise.all([page.waitForNavigation(), page.click('text=Receive this person')]);
    assert.equal(new URL(page.url()).pathname, `/patients/${arrivingFromWly}`);
    assert.match(await page.textContent('.nhsuk-card--feature'), /HMP Northfield/);
    const episodes = (await fhir(server.base, 'GET', `/EpisodeOfCare?patient=Patient/${arrivingFromWly}`)).json;
    const byOrg = Object.fromEntries(episodes.entry.map((e) => [e.resource.managingOrganization.reference, e.resource.status]));
    assert.equal(byOrg['Organization/est-NFD'], 'active');
    assert.equal(byOrg['Organization/est-WLY'], 'finished');
  });

  test('clinical notes: written, signed, amended with every version kept and shown', async () => {
    const id = [...nfd][4];
    await page.goto(`${origin}/patients/${id}`);
    await Promise.all([page.waitForNavigation(), page.click('main a:text("Notes")')]);
    await Promise.all([page.waitForNavigation(), page.click('text=Write a note')]);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('.nhsuk-error-summary'), /Enter the note/);
    await page.fill('#title', 'Reception review');
    await page.fill('#text', 'Seen at reception.\nNo injuries. <b>not bold</b>');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    let main = await page.textContent('main');
    assert.match(main, /Reception review/);
    assert.match(main, /Nina Nurse \(registered-nurse\)/);
    assert.match(main, /<b>not bold<\/b>/, 'typed markup is shown as text, never rendered');
    await Promise.all([page.waitForNavigation(), page.click('text=Amend')]);
    assert.equal(await page.inputValue('#text'), 'Seen at reception.\nNo injuries. <b>not bold</b>');
    await page.fill('#text', 'Seen at reception.\nBruise on left forearm, photographed.');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    main = await page.textContent('main');
    assert.match(main, /Amended/);
    assert.match(main, /Bruise on left forearm/);
    await screenshot(page, 'notes');
    await accessible(page);
    await Promise.all([page.waitForNavigation(), page.click('main a:text("History")')]);
    const history = await page.textContent('main');
    assert.match(history, /Version 2 \(amended\)/);
    assert.match(history, /Version 1 \(final\)/);
    assert.match(history, /No injuries/);
    await accessible(page);
  });

  test('allergies: recorded with reaction, severity and certainty, shown in the banner', async () => {
    const id = [...nfd][5];
    await page.goto(`${origin}/patients/${id}/allergies`);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('.nhsuk-error-summary'), /Enter the substance/);
    await accessible(page);
    await page.fill('#substance', 'Penicillin');
    await page.fill('#reaction', 'anaphylaxis');
    await page.check('#severity-3');
    await page.check('#certainty-2');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.equal(new URL(page.url()).pathname, `/patients/${id}`);
    assert.match(await page.textContent('.nhsuk-card--feature'),
      /Allergies\s*Penicillin \(severe: anaphylaxis; suspected\)/);
  });

  test('problems: recorded with onset and certainty, resolved from the record', async () => {
    const id = [...nfd][6];
    await page.goto(`${origin}/patients/${id}/problems`);
    await page.fill('#since', 'last spring');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    const errors = await page.textContent('.nhsuk-error-summary');
    assert.match(errors, /Enter the problem/);
    assert.match(errors, /when it started/);
    await accessible(page);
    await page.fill('#problem', 'Opioid dependence');
    await page.fill('#since', '2019-04');
    await page.check('#certainty-2');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    let main = await page.textContent('main');
    assert.match(main, /Opioid dependence \(since 2019-04\) — provisional/);
    await Promise.all([page.waitForNavigation(),
      page.click('form[action*="/problems/"] button:has-text("Opioid dependence")')]);
    main = await page.textContent('main');
    assert.doesNotMatch(main, /Opioid dependence \(since/);
  });

  test('a patient held elsewhere is refused, with break-glass offered, and the attempt audited', async () => {
    const res = await page.goto(`${origin}/patients/${atWly}`);
    assert.equal(res.status(), 403);
    assert.equal(await page.getAttribute('a[href="/break-glass"]', 'href'), '/break-glass');
    await new Promise((r) => setTimeout(r, 300));
    const denials = (await fhir(server.base, 'GET', `/AuditEvent?altid=nina.nfd&outcome=4`)).json;
    assert.ok(denials.total >= 1);
  });
});
