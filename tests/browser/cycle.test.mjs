// The yearly cycle in a real headless Chromium, with an axe-core accessibility check
// (WCAG 2.0/2.1 A and AA) on every page a user reaches. Zero violations are allowed.
//
// Runs against a server with a FRESH demo database (it submits, returns, receives and
// publishes the demo package of `boligorg`), e.g. via `.ci/browser.sh`:
//
//   BASE_URL=http://127.0.0.1:18080 node --test tests/browser/
//
// CHROMIUM may point to another Chromium binary (default /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'demo-styringsdialog';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const BEGRUNDELSE = 'Uddyb venligst svaret på spørgsmål 1 med konkrete forslag og en tidsplan.';
const SAMMENFATNING = 'Dialogmødet bekræftede en sund økonomi og et godt samarbejde med kommunen.';
const OEKONOMI = 'Dispositionsfonden og arbejdskapitalen ligger på et forsvarligt niveau.';

/** One violation as text: rule, impact, help, and the selector and summary of each element. */
function describe(v) {
  const nodes = v.nodes.map((n) => {
    const summary = (n.failureSummary ?? '').trim().replace(/\n\s*/g, '\n        ');
    return `      - ${n.target.join(' ')}${summary ? `\n        ${summary}` : ''}`;
  });
  return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes.join('\n')}`;
}

/** Runs axe on the current page as a subtest, so every page is reported on its own and a
 * violation on one page does not stop the walk through the cycle. */
async function axe(t, page, label) {
  await t.test(`axe: ${label} (${new URL(page.url()).pathname})`, async (st) => {
    await page.addScriptTag({ path: AXE_PATH });
    const result = await page.evaluate(
      (values) => window.axe.run(document, { runOnly: { type: 'tag', values } }),
      WCAG_TAGS,
    );
    // "Needs review" results (e.g. contrast over DKFDS gradients) are reported, not failed.
    for (const r of result.incomplete) {
      const targets = r.nodes.slice(0, 3).map((n) => n.target.join(' '));
      const more = r.nodes.length > 3 ? ` and ${r.nodes.length - 3} more` : '';
      st.diagnostic(`${label}: needs review: ${r.id}: ${targets.join(', ')}${more}`);
    }
    const report = result.violations.map(describe).join('\n');
    assert.equal(result.violations.length, 0, `${result.violations.length} axe violation(s) on "${label}" ${page.url()}:\n${report}`);
  });
  await t.test(`320 px: ${label} (${new URL(page.url()).pathname})`, async (st) => reflow(st, page));
}

/** Reflow (WCAG 2.1 SC 1.4.10, which axe does not check): at 320 CSS px the page scrolls
 * only vertically (wide tables scroll inside their own container), and the navigation is
 * reachable through the DKFDS menu button. Runs on every page the walk checks with axe. */
async function reflow(st, page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 800 });
  try {
    const wide = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) return [];
      return [...document.querySelectorAll('main *, header *, footer *')]
        .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.table--responsive-scroll'))
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${String(e.className).trim().split(/\s+/).join('.')}`);
    });
    assert.deepEqual(wide, [], `horizontal scroll at 320 px on ${page.url()}`);
    const menu = page.locator('header .js-menu-open');
    assert.ok(await menu.isVisible(), `menu button at 320 px on ${page.url()}`);
    await menu.click();
    await page.locator('.mobile-drawer .navigation-menu-mobile a').first().waitFor({ state: 'visible' });
    await page.locator('.mobile-drawer .js-menu-close').click();
    await page.locator('.mobile-drawer').waitFor({ state: 'hidden' });
  } finally {
    await page.setViewportSize(size);
  }
}

/** Opens a path and checks the HTTP status of the final response. */
async function open(page, path, status = 200) {
  const response = await page.goto(BASE_URL + path);
  assert.equal(response.status(), status, `GET ${path}`);
  return response;
}

/** Clicks something that submits a form or follows a link and waits for the new page;
 * returns the final response (after redirects) and checks its status. */
async function follow(page, locator, status = 200) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  assert.ok(response, `navigation after clicking ${locator}`);
  assert.equal(response.status(), status, `${response.request().method()} ${response.url()}`);
  return response;
}

/** Waits for the error summary ("Der er problemer") to list a message. */
async function errorSummary(page, message) {
  const summary = page.getByRole('alert').filter({ hasText: 'Der er problemer' });
  await summary.getByRole('link', { name: message }).first().waitFor();
}

const path = (page) => new URL(page.url()).pathname;
// The day the board approved the report: yesterday, always a valid date.
const GODKENDT = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
const main = (page) => page.locator('main');
const button = (page, name) => page.getByRole('button', { name, exact: true });
const link = (page, name) => page.getByRole('link', { name, exact: true });

// Answers every unanswered field of the form on the page the way a user would: "nej" to
// yes/no questions, the first choice of a choice, and a text in every empty text field.
async function fillForm(page) {
  const gem = page.getByRole('button', { name: 'Gem', exact: true });
  await main(page).locator('form', { has: gem }).evaluate((form) => {
    const groups = new Set([...form.querySelectorAll('input[type=radio]')].map((r) => r.name));
    for (const name of groups) {
      const radios = [...form.querySelectorAll(`input[type=radio][name="${name}"]`)];
      if (!radios.some((r) => r.checked)) (radios.find((r) => r.value === 'nej') ?? radios[0]).checked = true;
    }
    for (const area of form.querySelectorAll('textarea')) {
      if (!area.value.trim()) area.value = 'Organisationen følger op sammen med afdelingsbestyrelsen.';
    }
  });
}

async function logIn(page, user) {
  await open(page, '/log-ind');
  await page.locator('input[name="brugernavn"]').fill(user);
  await page.locator('input[name="kodeord"]').fill(PASSWORD);
  await follow(page, button(page, 'Log ind'));
}

async function logOut(page) {
  await follow(page, page.locator('header').getByRole('button', { name: 'Log af' }));
  assert.equal(path(page), '/log-ind');
  await main(page).getByText('Du er logget ud.').waitFor();
}

/** The rows of a table as arrays of cell texts. */
async function tableRows(table) {
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim())),
  );
}

/** The key figure table of one styringsår on the public data sheet. */
function noegletalTable(page, aar) {
  return main(page).locator('table').filter({ has: page.locator('caption', { hasText: `Styringsår ${aar}` }) });
}

test('the yearly cycle passes axe (WCAG 2.1 A/AA) on every page', { timeout: 300_000 }, async (t) => {
  assert.ok(BASE_URL, 'set BASE_URL to the running server, e.g. http://127.0.0.1:18080');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  // The app's Content-Security-Policy (script-src 'self') rightly refuses the injected axe
  // script; bypassCSP lets the test inject it without loosening the app's policy.
  const context = await browser.newContext({ bypassCSP: true, locale: 'da-DK', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The form error pages answer 422 on purpose (and a confirmation 422 too); Chromium
    // logs them as failed resources.
    if (/status of 422/.test(m.text())) return;
    consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));

  // --- Anonymous: the public part -------------------------------------------------------
  await open(page, '/');
  await axe(t, page, 'forside (anonym)');

  await open(page, '/offentlig');
  await axe(t, page, 'offentlige data');

  await open(page, '/offentlig?q=bolig');
  const results = main(page).locator('ul li a[href^="/offentlig/organisationer/"]:not([href*="/afdelinger/"])');
  assert.ok((await results.count()) > 0, 'the search for "bolig" finds organisations');
  await axe(t, page, 'søgeresultater');
  const hrefs = await results.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  await follow(page, results.first());
  assert.match(path(page), /^\/offentlig\/organisationer\/\d+$/);
  await axe(t, page, 'dataark (første søgeresultat)');
  // The best matches may be administration organisations, which own no afdelinger: the
  // walk goes on from the first organisation that does.
  for (const href of hrefs) {
    await open(page, href);
    if ((await main(page).locator('a[href*="/afdelinger/"]').count()) > 0) break;
  }
  const orgSheet = path(page);
  await follow(page, main(page).locator('a[href*="/afdelinger/"]').first());
  assert.match(path(page), /^\/offentlig\/organisationer\/\d+\/afdelinger\/\d+$/);
  await axe(t, page, 'dataark for en afdeling');
  await open(page, orgSheet);
  await follow(page, link(page, 'kommunens redegørelser'));
  await axe(t, page, 'kommunens offentliggjorte redegørelser');
  await open(page, '/offentlig?kommune=101');
  await axe(t, page, 'søgning i en kommune');
  await open(page, '/offentlig/data');
  await axe(t, page, 'åbne data');

  await open(page, '/log-ind');
  await axe(t, page, 'log ind');

  // --- boligorg answers and submits --------------------------------------------------------
  await logIn(page, 'boligorg');
  assert.equal(path(page), '/organisation');
  await axe(t, page, 'organisationens oversigt');
  const pakkeLink = main(page).locator('table a[href^="/pakker/"]').first();
  const pakkeHref = await pakkeLink.getAttribute('href');
  const id = Number(pakkeHref.match(/^\/pakker\/(\d+)$/)?.[1]);
  assert.ok(id > 0, `package link ${pakkeHref}`);
  await follow(page, pakkeLink);
  assert.equal(path(page), `/pakker/${id}`);

  // The organisation number: the "Navn (nummer)" line, cross-checked with the API.
  const lead = await main(page).locator('p.font-lead').first().textContent();
  const nummer = Number(lead.match(/\((\d+)\)\s*$/)?.[1]);
  assert.ok(nummer > 0, `organisation number in "${lead}"`);
  const api = await page.request.get(`${BASE_URL}/api/v1/pakker`);
  assert.equal(api.status(), 200);
  const apiPakke = (await api.json()).data.find((p) => p.id === id);
  assert.equal(apiPakke?.organisation?.nummer, nummer, 'the API agrees on the organisation number');
  const styringsaar = apiPakke.styringsaar;
  // The package's own key figures, to compare with the public data sheet later.
  const pakkeNoegletal = (await tableRows(main(page).locator('table').filter({ hasText: 'Sidste års værdi' }))).map(
    ([navn, vaerdi]) => [navn, vaerdi],
  );
  assert.ok(pakkeNoegletal.some(([, v]) => v !== 'i/t'), 'the package has key figures');
  await axe(t, page, 'pakkesiden (kladde)');
  // The explanation of an efficiency figure: group, best practice, account by account.
  await follow(page, main(page).locator(`.task-list a[href="/pakker/${id}/sektioner/b3.bilag1"]`));
  await axe(t, page, 'bilag 1: effektivitetstal');
  await follow(page, main(page).locator(`table a[href^="/pakker/${id}/effektivitet/"]`).first());
  assert.match(path(page), new RegExp(`^/pakker/${id}/effektivitet/\\d+$`));
  await main(page).getByText('Udgifter pr. bolig pr. konto').waitFor();
  await axe(t, page, 'forklaring af effektivitetstal');
  await open(page, `/pakker/${id}`);

  // Before the meeting, the public data sheet shows no key figures for the year.
  {
    const anon = await browser.newContext({ bypassCSP: true });
    const p = await anon.newPage();
    await open(p, `/offentlig/organisationer/${nummer}`);
    const rows = await tableRows(noegletalTable(p, styringsaar));
    assert.ok(rows.length > 0 && rows.every(([, v]) => v === 'i/t'), `key figures ${styringsaar} hidden before the meeting`);
    await anon.close();
  }

  await follow(page, main(page).locator(`a[href="/pakker/${id}/sektioner/b3.I"]`));
  assert.equal(path(page), `/pakker/${id}/sektioner/b3.I`);
  await axe(t, page, 'sektion b3.I');

  // Saving a section is a draft save: the empty form is accepted and nothing is answered yet.
  await follow(page, button(page, 'Gem'));
  assert.equal(path(page), `/pakker/${id}`);
  await main(page).getByText('Dine svar er gemt.').waitFor();
  await main(page)
    .locator('.task-list li', { has: page.locator(`a[href="/pakker/${id}/sektioner/b3.I"]`) })
    .getByText('Ikke startet')
    .waitFor();

  // Submitting too early: check-your-answers lists the missing answers (422), and so does
  // the refused submission.
  await open(page, `/pakker/${id}/indsend`, 422);
  await errorSummary(page, 'Svar ja eller nej til spørgsmål 1');
  await axe(t, page, 'tjek dine svar med manglende svar');
  await follow(page, button(page, 'Indsend dokumentationspakken'), 422);
  await errorSummary(page, 'Svar ja eller nej til spørgsmål 5');
  await axe(t, page, 'afvist indsendelse med manglende svar');
  await follow(page, main(page).locator(`a[href="/pakker/${id}/sektioner/b3.I"]`).first());
  assert.equal(path(page), `/pakker/${id}/sektioner/b3.I`);

  // The section form's own error state: the browser cannot send an unknown answer through the
  // radio buttons, so the value of one is changed the way a stale or tampered form would be.
  await page.locator('input[name="b3.q2.ja"][value="nej"]').evaluate((el) => {
    el.value = 'maaske';
  });
  await page.locator('input[name="b3.q2.ja"][value="maaske"]').check();
  await follow(page, button(page, 'Gem'), 422);
  await errorSummary(page, 'Ukendt svar «maaske»');
  await main(page).locator('.form-group.form-error .form-error-message').first().waitFor();
  await axe(t, page, 'sektion b3.I med fejl');

  // Question 4 takes the board's efficiency goals: the demo organisation has afdelinger with a
  // yellow or red efficiency figure, so a no would be refused.
  for (let q = 1; q <= 5; q++) {
    await page.locator(`input[name="b3.q${q}.ja"][value="${q === 1 || q === 4 ? 'ja' : 'nej'}"]`).check();
  }
  await page
    .locator('textarea[name="b3.q1.tekst"]')
    .fill('Vi foreslår et fælles forum for boligsociale indsatser og en årlig drøftelse af renoveringsplaner.');
  await page
    .locator('textarea[name="b3.q4.tekst"]')
    .fill('Bestyrelsens mål: driftsudgifterne i de gule og røde afdelinger ned med 5 % over fire år gennem fælles indkøb.');
  await follow(page, button(page, 'Gem'));
  assert.equal(path(page), `/pakker/${id}`);
  await main(page).getByText('Dine svar er gemt.').waitFor();
  await axe(t, page, 'pakkesiden efter gem');

  // The other sections: facts filled in automatically, answers and comments by the user.
  const sektioner = await main(page)
    .locator('.task-list a[href*="/sektioner/"]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of sektioner.filter((h) => !h.endsWith('/b3.I'))) {
    await open(page, href);
    await axe(t, page, `sektion ${href.split('/').pop()}`);
    await fillForm(page);
    await follow(page, button(page, 'Gem'));
    await main(page).getByText('Dine svar er gemt.').waitFor();
  }
  // The afdeling forms: the list, the bulk action, then part B of each form.
  await follow(page, main(page).locator(`.task-list a[href="/pakker/${id}/afdelinger"]`));
  await axe(t, page, 'afdelingsskemaer');
  await page.locator('input.form-checkbox[name^="afd_"]').evaluateAll((cs) => cs.forEach((c) => (c.checked = true)));
  await follow(page, button(page, 'Markér valgte: ingen særlige udfordringer'));
  await main(page).getByText('De valgte afdelingsskemaer er markeret').waitFor();
  const skemaer = await main(page)
    .locator(`table a[href^="/pakker/${id}/afdelinger/"]`)
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(skemaer.length > 0, 'the organisation has afdeling forms');
  for (const [i, href] of skemaer.entries()) {
    await open(page, href);
    if (i === 0) await axe(t, page, 'afdelingsskema');
    await fillForm(page);
    await follow(page, button(page, 'Gem'));
  }
  await axe(t, page, 'afdelingsskemaer udfyldt');
  await main(page).getByText(`${skemaer.length} af ${skemaer.length} skemaer er gennemført`).waitFor();

  // Attachments: a renamed picture is refused by its content; then the four required files.
  await open(page, `/pakker/${id}/bilag`);
  await axe(t, page, 'bilag');
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de', 'hex');
  await page.locator('#fil-regnskab').setInputFiles({ name: 'regnskab.pdf', mimeType: 'application/pdf', buffer: PNG });
  await follow(page, button(page, 'Vedhæft Årsregnskab'), 422);
  await errorSummary(page, 'regnskab.pdf er ikke en fil af typen PDF');
  await axe(t, page, 'bilag med fejl');
  for (const [art, navn] of [
    ['regnskab', 'Årsregnskab'],
    ['revisionsprotokol', 'Revisionsprotokol'],
    ['aarsberetning', 'Årsberetning'],
    ['regnskabsspoergeskema', 'Regnskabsspørgeskema'],
  ]) {
    await page.locator(`#fil-${art}`).setInputFiles({ name: `${art}.pdf`, mimeType: 'application/pdf', buffer: PDF });
    await follow(page, button(page, `Vedhæft ${navn}`));
    await main(page).getByText('Filen er kontrolleret og vedhæftet.').waitFor();
  }
  await main(page).locator('.badge', { hasText: 'Gennemført' }).waitFor();

  // The session warning: five minutes before the session ends an alert offers to stay signed
  // in, and doing so removes it. A second window with a controlled clock, same user.
  {
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'da-DK' });
    const p2 = await ctx.newPage();
    await p2.clock.install();
    await logIn(p2, 'boligorg');
    await open(p2, `/pakker/${id}/sektioner/b3.II`);
    await p2.clock.fastForward('07:56:00');
    const advarsel = p2.locator('#session-advarsel');
    await advarsel.getByText('Din session udløber kl.').waitFor();
    await axe(t, p2, 'advarsel før sessionen udløber');
    // The server extends the session. (This window's clock runs ahead of the server's, so
    // the renewed session still looks close to its end here and the warning comes back.)
    const [svar] = await Promise.all([
      p2.waitForResponse((r) => new URL(r.url()).pathname === '/session/forlaeng'),
      p2.getByRole('button', { name: 'Forbliv logget ind', exact: true }).click(),
    ]);
    assert.equal(svar.status(), 200);
    assert.ok(Date.parse((await svar.json()).udloeber) > Date.now(), 'a new expiry');
    assert.equal(await advarsel.getByText('kunne ikke forlænges').count(), 0);
    await ctx.close();
  }

  await open(page, `/pakker/${id}/indsend`);
  await axe(t, page, 'tjek dine svar');
  // The board's approval date is required; without it the page says so at the field.
  await follow(page, button(page, 'Indsend dokumentationspakken'), 422);
  await page.locator('#bestyrelse_godkendt-fejl').waitFor();
  await axe(t, page, 'tjek dine svar (uden bestyrelsens godkendelse)');
  await page.locator('#bestyrelse_godkendt').fill(GODKENDT);
  await follow(page, button(page, 'Indsend dokumentationspakken'));
  assert.equal(path(page), `/pakker/${id}/kvittering/1`);
  await main(page).getByText('Godkendt af bestyrelsen').waitFor();
  await axe(t, page, 'kvittering, version 1');
  await logOut(page);
  await axe(t, page, 'log ind efter log af');

  // --- kommune returns the package ---------------------------------------------------------
  await logIn(page, 'kommune');
  assert.equal(path(page), '/kommune');
  await axe(t, page, 'kommunens oversigt');
  // Another organisation's package was not received by its deadline: the confirmation before
  // the dialogue is held without it (not confirmed here, so the demo stays as it is).
  await follow(page, main(page).getByRole('link', { name: /^Hold dialogen uden pakken/ }).first());
  assert.match(path(page), /^\/pakker\/\d+\/ikke-modtaget$/);
  await main(page).getByRole('heading', { name: 'Hold dialogen uden dokumentationspakken' }).waitFor();
  await axe(t, page, 'hold dialogen uden pakken');
  await open(page, '/kommune');
  await follow(page, main(page).getByRole('link', { name: 'Frister', exact: true }));
  await axe(t, page, 'frister');
  await page.locator('#frist').fill('2026-13-40');
  await follow(page, button(page, 'Sæt frist'), 422);
  await axe(t, page, 'frister med fejl');
  // A date that replaces the deadlines already set is confirmed first, with the checkbox by
  // its label (not at the page's corner).
  const frist = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
  await page.locator('#frist').fill(frist);
  await follow(page, button(page, 'Sæt frist'), 422);
  await page.locator('#bekraeft').check();
  const [box, label] = await Promise.all([
    page.locator('#bekraeft').boundingBox(),
    page.locator('label[for="bekraeft"]').boundingBox(),
  ]);
  assert.ok(Math.abs(box.y - label.y) < 40 && Math.abs(box.x - label.x) < 40, 'the checkbox sits at its label');
  await axe(t, page, 'frister: bekræft');
  await follow(page, button(page, 'Sæt frist'));
  await main(page).getByText('Fristen er sat.').waitFor();
  await open(page, '/kommune?sorter=kritiske');
  await axe(t, page, 'kommunens oversigt, sorteret');
  await open(page, '/kommune/pakker');
  await axe(t, page, 'pakker sendt til kommunen');
  await open(page, '/kommune/opmaerksomhed');
  await axe(t, page, 'hvor skal vi kigge først, detaljer');
  await open(page, '/kommune/varsler');
  await main(page).getByRole('heading', { name: /Tidlig varsling, styringsår/ }).waitFor();
  await axe(t, page, 'tidlig varsling, kommunen');
  await open(page, '/kommune/afdelinger');
  await axe(t, page, 'afdelinger i kommunen fra andre organisationer');
  await open(page, '/kommune');
  await follow(page, main(page).locator(`a[href="/pakker/${id}"]`).first());
  await axe(t, page, 'pakkesiden (indsendt, kommune)');
  await follow(page, link(page, 'Send retur til rettelse'));
  assert.equal(path(page), `/pakker/${id}/returner`);
  await axe(t, page, 'send retur');
  await follow(page, button(page, 'Send retur'), 422);
  await errorSummary(page, 'Skriv hvorfor pakken sendes retur');
  await axe(t, page, 'send retur med fejl');
  await page.locator('textarea[name="begrundelse"]').fill(BEGRUNDELSE);
  await follow(page, button(page, 'Send retur'));
  assert.equal(path(page), `/pakker/${id}`);
  await axe(t, page, 'pakkesiden (returneret, kommune)');
  await logOut(page);

  // --- boligorg reads the reason and submits again -------------------------------------------
  await logIn(page, 'boligorg');
  await open(page, `/pakker/${id}`);
  await main(page).getByText(BEGRUNDELSE).first().waitFor();
  await axe(t, page, 'pakkesiden (returneret, organisation)');
  await open(page, `/pakker/${id}/indsend`);
  await axe(t, page, 'tjek dine svar (anden indsendelse)');
  await page.locator('#bestyrelse_godkendt').fill(GODKENDT);
  await follow(page, button(page, 'Indsend dokumentationspakken'));
  assert.equal(path(page), `/pakker/${id}/kvittering/2`);
  await axe(t, page, 'kvittering, version 2');
  await open(page, `/pakker/${id}/versioner/2`);
  await axe(t, page, 'indsendt version 2');
  await logOut(page);

  // --- kommune receives, holds the meeting and publishes the redegørelse -------------------
  await logIn(page, 'kommune');
  await open(page, `/pakker/${id}`);
  await follow(page, button(page, 'Kvittér for modtagelse'));
  await main(page).getByText('Pakken er kvitteret som modtaget.').waitFor();
  await axe(t, page, 'pakkesiden (modtaget)');
  // A henstilling: the form, its errors, and the package page that lists it.
  await follow(page, link(page, 'Giv henstilling eller påbud'));
  assert.equal(path(page), `/pakker/${id}/tilsynsreaktion`);
  await axe(t, page, 'henstilling eller påbud');
  await follow(page, button(page, 'Registrér'), 422);
  await errorSummary(page, 'Vælg henstilling eller påbud');
  await axe(t, page, 'henstilling eller påbud med fejl');
  await page.locator('#art').check();
  await page.locator('#tekst').fill('Kommunen henstiller, at organisationen udarbejder en plan for vedligeholdelsen.');
  await follow(page, button(page, 'Registrér'));
  assert.equal(path(page), `/pakker/${id}`);
  await main(page).getByText('Henstillinger og påbud').first().waitFor();
  await axe(t, page, 'pakkesiden med en henstilling');
  // Invitation: a past date is refused, short notice warns until acknowledged.
  await follow(page, link(page, 'Indkald til dialogmøde'));
  assert.equal(path(page), `/pakker/${id}/indkald`);
  await axe(t, page, 'indkald til dialogmøde');
  const iso = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  await page.locator('#dato').fill(iso(-2));
  await page.locator('#sted').fill('Rådhuset, mødelokale 2');
  await follow(page, button(page, 'Send indkaldelsen'), 422);
  await errorSummary(page, 'Mødedatoen ligger før i dag');
  await axe(t, page, 'indkaldelse med fejl');
  await page.locator('#dato').fill(iso(5));
  await follow(page, button(page, 'Send indkaldelsen'), 422);
  await main(page).getByText('Bekræft, at du vil indkalde med kortere varsel').first().waitFor();
  await axe(t, page, 'indkaldelse med kort varsel');
  await page.locator('#kort_varsel').check();
  await follow(page, button(page, 'Send indkaldelsen'));
  assert.match(path(page), /^\/moeder\/\d+$/);
  await main(page).getByText('Indkaldelse til dialogmøde').first().waitFor();
  await axe(t, page, 'dialogmøde med indkaldelsesbrev');
  // The meeting moves a day: a reason is required, the short notice acknowledged.
  await page.locator('#flyt_dato').fill(iso(6));
  await follow(page, button(page, 'Flyt mødet'), 422);
  await errorSummary(page, 'Skriv hvorfor mødet flyttes');
  await axe(t, page, 'flyt mødet med fejl');
  await page.locator('#flyt_dato').fill(iso(6));
  await page.locator('#flyt_begrundelse').fill('Formanden er forhindret den oprindelige dag.');
  await follow(page, button(page, 'Flyt mødet'), 422);
  await page.locator('#flyt_kort_varsel').check();
  await page.locator('#flyt_begrundelse').fill('Formanden er forhindret den oprindelige dag.');
  await follow(page, button(page, 'Flyt mødet'));
  await main(page).getByText('Mødet er flyttet.').waitFor();
  await axe(t, page, 'dialogmøde flyttet');
  await open(page, `/pakker/${id}`);
  await axe(t, page, 'pakkesiden (møde indkaldt)');
  // The meeting lies ahead, so this run registers a meeting held outside the system.
  await follow(page, link(page, 'Registrér møde holdt uden indkaldelse her'));
  assert.equal(path(page), `/pakker/${id}/moede`);
  const today = new Date().toISOString().slice(0, 10);
  const dato = await page.locator('input[name="dato"]').inputValue();
  assert.match(dato, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(Math.abs(Date.parse(dato) - Date.parse(today)) <= 86_400_000, `meeting date ${dato} is today (${today})`);
  await axe(t, page, 'registrér dialogmøde');
  await page.locator('textarea[name="deltagere"]').fill('Formand for organisationsbestyrelsen, direktør, to medarbejdere fra kommunen');
  await follow(page, button(page, 'Registrér mødet'));
  assert.equal(path(page), `/pakker/${id}`);
  await axe(t, page, 'pakkesiden (møde afholdt)');
  await follow(page, link(page, 'Skriv redegørelse'));
  assert.equal(path(page), `/pakker/${id}/redegoerelse`);
  await axe(t, page, 'redegørelse');
  // The suggestions fill only the empty fields: what was typed (and not saved) stays.
  await page.locator('textarea[name="sammenfatning"]').fill(SAMMENFATNING);
  await follow(page, button(page, 'Udfyld tomme felter med forslag fra pakken'));
  assert.equal(await page.locator('textarea[name="sammenfatning"]').inputValue(), SAMMENFATNING);
  await main(page).getByText('tomme felter er udfyldt med et forslag').waitFor();
  await axe(t, page, 'redegørelse med forslag fra pakken');
  await page.locator('textarea[name="oekonomi_og_drift.kommune"]').fill(OEKONOMI);
  await follow(page, button(page, 'Gem udkast'));
  assert.equal(path(page), `/pakker/${id}/redegoerelse`);
  await axe(t, page, 'redegørelse (udkast gemt)');
  // An aftale: the goal area is required.
  await page.locator('#emne').fill('Helhedsplan');
  await page.locator('#beskrivelse').fill('Organisationen udarbejder en helhedsplan for afdelingen.');
  await page.locator('#ansvarlig').fill('Organisationen');
  await follow(page, button(page, 'Registrér aftalen'), 422);
  await errorSummary(page, 'Vælg mindst ét målområde');
  await axe(t, page, 'aftale med fejl');
  await page.locator('#maal_boligafdelinger').check();
  await follow(page, button(page, 'Registrér aftalen'));
  await main(page).getByText('Aftalen er registreret.').waitFor();
  // The draft goes to the organisation for comments.
  await follow(page, button(page, 'Send i høring hos organisationen'));
  assert.equal(path(page), `/pakker/${id}`);
  await logOut(page);
  await logIn(page, 'boligorg');
  await open(page, `/pakker/${id}`);
  await axe(t, page, 'pakkesiden (i høring, organisation)');
  await follow(page, link(page, 'Læs udkastet og bemærkningerne'));
  await axe(t, page, 'høring');
  await follow(page, button(page, 'Send bemærkninger til kommunen'), 422);
  await axe(t, page, 'høring med fejl');
  await page.locator('#bemaerkning').fill('Vi er enige i udkastet.');
  await follow(page, button(page, 'Send bemærkninger til kommunen'));
  await main(page).getByText('Vi er enige i udkastet.').waitFor();
  await open(page, '/aftaler');
  await axe(t, page, 'aftaler (organisation)');
  await logOut(page);
  await logIn(page, 'kommune');
  await open(page, `/pakker/${id}/redegoerelse`);
  await main(page).getByText('Vi er enige i udkastet.').waitFor();
  await follow(page, link(page, 'Offentliggør redegørelsen'));
  assert.equal(path(page), `/pakker/${id}/redegoerelse/offentliggoer`);
  await axe(t, page, 'bekræft offentliggørelse');
  await follow(page, button(page, 'Ja, offentliggør redegørelsen'));
  assert.equal(path(page), `/pakker/${id}`);
  await main(page).getByText('Redegørelsen er offentliggjort.').waitFor();
  await axe(t, page, 'pakkesiden (redegørelse offentliggjort)');
  await open(page, '/aftaler');
  await axe(t, page, 'aftaler (kommune)');
  await follow(page, button(page, 'Gem status').first(), 422);
  await axe(t, page, 'aftaler med fejl');
  await logOut(page);

  // --- Anonymous: the data sheet now shows the redegørelse and the key figures --------------
  await open(page, `/offentlig/organisationer/${nummer}`);
  await main(page).getByText(SAMMENFATNING).waitFor();
  await main(page).getByText(OEKONOMI).waitFor();
  const offentlige = await tableRows(noegletalTable(page, styringsaar));
  assert.ok(offentlige.some(([, v]) => v !== 'i/t'), `key figures ${styringsaar} are public after the meeting`);
  assert.deepEqual(offentlige, pakkeNoegletal, 'the data sheet shows the package key figures');
  await axe(t, page, 'dataark med offentliggjort redegørelse');

  // --- styrelse ---------------------------------------------------------------------------
  await logIn(page, 'styrelse');
  assert.equal(path(page), '/styrelse');
  await axe(t, page, 'styrelsens nationale status');
  // A kommune of the per-kommune table drills down to its organisations; the table filters.
  await follow(page, main(page).locator('a[href^="/styrelse/kommuner/"]').first());
  assert.match(path(page), /^\/styrelse\/kommuner\/\d+$/);
  await axe(t, page, 'en kommunes organisationer (styrelsen)');
  await open(page, '/styrelse');
  await page.locator('#f-vis').selectOption('mangler');
  await follow(page, main(page).getByRole('button', { name: 'Vis', exact: true }));
  await axe(t, page, 'national status, filtreret');
  await open(page, '/styrelse');
  // Import: a file with an error shows the error state; nothing is imported.
  await follow(page, main(page).getByRole('link', { name: 'Importér en fil' }));
  assert.equal(path(page), '/styrelse/import');
  await axe(t, page, 'import');
  await page.locator('input[name="fil"]').setInputFiles({
    name: 'regnskab.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('organisation;afdeling;konto;beloeb\n1;1;999;x\n'),
  });
  await follow(page, button(page, 'Importér'), 422);
  await main(page).getByText('regnskab.csv, række 2').first().waitFor();
  await axe(t, page, 'import med fejl');
  await open(page, '/styrelse/skabeloner');
  await axe(t, page, 'skabeloner');
  await open(page, '/konto/api-noegler');
  await axe(t, page, 'API-nøgler');
  await page.locator('#navn').fill('Integrationstest');
  await follow(page, button(page, 'Opret nøgle'));
  await main(page).locator('#ny-noegle').waitFor();
  await axe(t, page, 'API-nøgle oprettet');
  // Webhooks: a refused registration names its fields; an accepted one shows the secret once,
  // and the endpoint's delivery log opens.
  await open(page, '/konto/webhooks');
  await axe(t, page, 'webhooks');
  await follow(page, button(page, 'Registrér endepunkt'), 422);
  await main(page).locator('#url-fejl').waitFor();
  await axe(t, page, 'webhook med fejl');
  await page.locator('#url').fill('http://127.0.0.1:9/haendelser');
  await page.locator('#type-2').check();
  await follow(page, button(page, 'Registrér endepunkt'));
  await main(page).locator('#ny-hemmelighed').waitFor();
  await axe(t, page, 'webhook registreret');
  await follow(page, main(page).getByRole('link', { name: 'http://127.0.0.1:9/haendelser' }));
  await axe(t, page, 'webhook-leverancer');
  // Accounts: search, a refused and an accepted new local account, then disable it.
  await follow(page, page.locator('nav').getByRole('link', { name: 'Brugere', exact: true }).first());
  assert.equal(path(page), '/styrelse/brugere');
  await axe(t, page, 'brugere');
  await page.locator('#q').fill('kommune');
  await follow(page, button(page, 'Søg'));
  await main(page).getByRole('cell', { name: 'Kommune', exact: true }).first().waitFor();
  await page.locator('#brugernavn').fill('ny.bruger');
  await page.locator('#navn').fill('Ny Bruger');
  await page.locator('#kodeord').fill('et-langt-kodeord');
  await follow(page, button(page, 'Opret konto'), 422);
  await errorSummary(page, 'Vælg en rolle');
  await axe(t, page, 'brugere med fejl');
  await page.locator('#kodeord').fill('et-langt-kodeord');
  await page.locator('#rolle').selectOption('styrelse');
  await follow(page, button(page, 'Opret konto'));
  await main(page).getByText('Kontoen er oprettet').waitFor();
  await follow(page, main(page).getByRole('button', { name: 'Spær kontoen ny.bruger' }));
  await main(page).getByText('Kontoen er spærret').waitFor();
  await axe(t, page, 'brugere efter spærring');
  await open(page, '/styrelse/udbakke');
  await main(page).getByText('Indkaldelse til dialogmøde').first().waitFor();
  await axe(t, page, 'udbakke');
  await open(page, '/styrelse/varsler');
  await main(page).getByRole('heading', { name: /Tidlig varsling, styringsår/ }).waitFor();
  // A chart folded under a repeated critical figure, opened as a reader would.
  await main(page).locator('details summary').first().click();
  await axe(t, page, 'tidlig varsling, national');
  await logOut(page);

  assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
});
