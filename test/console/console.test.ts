import fs from 'node:fs';
import path from 'node:path';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  chromiumProblem,
  SCREENSHOTS,
  startConsole,
  type ConsoleFixture,
} from '../helpers/console.js';
import { oktaUser, patchOp } from '../helpers/gateway.js';

/**
 * The operator console in a real headless Chromium, against a real directory, gateway and
 * console (in this process). Every wait is on the page changing, never on time passing.
 */

interface Context {
  fixture: ConsoleFixture;
  browser: Browser;
  alice: string;
  bob: string;
}

const test = anyTest as TestFn<Context>;

/** The little of the page's globals the functions run in the browser use (the project has no DOM types). */
interface Win {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
  };
}
const problem = chromiumProblem();

if (problem && process.env.CI === 'true') {
  test('Chromium is installed (CI)', (t) => t.fail(problem));
} else if (problem) {
  console.warn(`\n!!! SKIPPING the console's browser tests: ${problem}\n`);
  test.skip('the console in a browser (Chromium missing)', () => {});
} else {
  test.before(async (t) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const fixture = await startConsole({ sessionMinutes: 30 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.context = {
      fixture,
      browser,
      alice: await fixture.addOperator('alice', 'admin'),
      bob: await fixture.addOperator('bob', 'viewer'),
    };
  });
  test.after.always(async (t) => {
    await t.context.browser?.close();
    await t.context.fixture?.close();
  });
  registerTests();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A fresh browser context (its own cookies) signed in as `name`. */
async function signedIn(
  t: ExecutionContext<Context>,
  name: 'alice' | 'bob',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await t.context.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watchCsp(page);
  await page.goto(`${t.context.fixture.consoleUrl}/tenants`);
  await page.fill('#name', name);
  await page.fill('#password', t.context[name]);
  await Promise.all([page.waitForURL(/\/tenants$/), page.click('button[type=submit]')]);
  return { context, page };
}

/** The CSRF token of the page's session, as its forms carry it. */
/** What the browser reported against the pages' Content-Security-Policy (nothing, we check). */
const cspViolations: string[] = [];
function watchCsp(page: Page): void {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text()))
      cspViolations.push(`${page.url()}: ${message.text()}`);
  });
}

const csrfOf = (page: Page) => page.getAttribute('input[name=_csrf]', 'value');

function registerTests(): void {
  test.serial('an operator signs in and sees every tenant with its counts and tokens', async (t) => {
    const { fixture } = t.context;
    const acme = await fixture.tenant('Acme Browser');
    const context = await t.context.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${fixture.consoleUrl}/tenants`);
    t.regex(page.url(), /\/login\?next=%2Ftenants$/, 'without a session the console asks to sign in');
    await shot(page, 'login');
    await page.fill('#name', 'alice');
    await page.fill('#password', t.context.alice);
    await Promise.all([page.waitForURL(/\/tenants$/), page.click('button[type=submit]')]);
    const cookie = (await context.cookies()).find((c) => c.name === 'wizer_console');
    t.like(cookie, { httpOnly: true, sameSite: 'Strict' });
    const row = page.locator(`tr[data-tenant="${acme.tenantId}"]`);
    t.is(await row.locator('a').first().textContent(), 'Acme Browser');
    t.regex((await row.textContent()) ?? '', /wzr_scim_/, 'its token is listed by prefix');
    t.is(await page.textContent('[data-operator]'), 'alice');
    await shot(page, 'tenants');
    await context.close();
  });

  test.serial(
    'without JavaScript the pages read the same: sign-in, counts, the log, the curve',
    async (t) => {
      const { fixture } = t.context;
      const { tenantId, token } = await fixture.tenant('No Script');
      for (let i = 0; i < 3; i++)
        t.is(
          (await fixture.scim('POST', '/Users', { token, body: oktaUser(`plain${i}@example.com`) })).status,
          201,
        );
      const context = await t.context.browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
      await page.fill('#name', 'bob');
      await page.fill('#password', t.context.bob);
      await Promise.all([
        page.waitForURL(new RegExp(`/tenants/${tenantId}$`)),
        page.click('button[type=submit]'),
      ]);
      t.is(await page.textContent('[data-count="users"]'), '3');
      t.true((await page.locator('#feed li').count()) >= 3, 'the latest entries are listed');
      t.regex((await page.textContent('#feed')) ?? '', /plain2@example\.com/);
      t.regex((await page.textContent('#curve')) ?? '', /3 users created in the window/);
      t.is(await page.textContent('#live-status'), 'as of loading', 'no live updates without the script');
      await context.close();
    },
  );

  test.serial('a wrong password is refused, and so is a stranger', async (t) => {
    const context = await t.context.browser.newContext();
    const page = await context.newPage();
    for (const [name, password] of [
      ['alice', `${t.context.alice}x`],
      ['mallory', t.context.alice],
    ] as const) {
      await page.goto(`${t.context.fixture.consoleUrl}/login`);
      await page.fill('#name', name);
      await page.fill('#password', password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
        page.click('button[type=submit]'),
      ]);
      t.is(response.status(), 401);
      t.is(await page.textContent('[data-error]'), 'Wrong name or password.');
    }
    t.deepEqual(
      (await context.cookies()).filter((c) => c.name === 'wizer_console'),
      [],
      'no session cookie was set',
    );
    await page.goto(`${t.context.fixture.consoleUrl}/tenants`);
    t.regex(page.url(), /\/login/, 'still signed out');
    await context.close();
  });

  test.serial('a tenant during an import: the counts and the feed advance without reloading', async (t) => {
    t.timeout(180_000);
    const { fixture } = t.context;
    const { tenantId, token } = await fixture.tenant('Importing');
    const { context, page } = await signedIn(t, 'alice');
    await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
    t.is(await page.textContent('[data-count="users"]'), '0', 'precondition: no users yet');
    // The page is live: its script has subscribed to the tenant's events.
    await page.waitForFunction(
      () => (globalThis as unknown as Win).document.querySelector('#live-dot.on') !== null,
    );
    await page.evaluate('window.stayed = true');
    const feedBefore = await page.locator('#feed li').count();

    const N = 40;
    const importing = (async () => {
      const statuses: number[] = [];
      for (let i = 0; i < N; i++)
        statuses.push(
          (await fixture.scim('POST', '/Users', { token, body: oktaUser(`import${i}@example.com`) })).status,
        );
      return statuses;
    })();
    // Part-way: the count has moved but the import is not over, as a support engineer sees it.
    await page.waitForFunction(
      () =>
        Number((globalThis as unknown as Win).document.querySelector('[data-count="users"]')?.textContent) >
        0,
    );
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as Win).document.querySelector('[data-count="users"]')?.textContent ===
        String(n),
      N,
      { timeout: 120_000 },
    );
    t.deepEqual(await importing, new Array(N).fill(201), 'precondition: every SCIM POST was created');
    await page.waitForFunction(() =>
      Array.from((globalThis as unknown as Win).document.querySelectorAll('#feed li')).some((li) =>
        (li.textContent ?? '').includes('import39@example.com'),
      ),
    );
    t.true((await page.evaluate('window.stayed === true')) as boolean, 'the page was never reloaded');
    t.true(
      (await page.locator('#feed li').count()) >= feedBefore + N,
      'each creation was prepended to the feed',
    );
    t.is(await page.textContent('[data-count="activeUsers"]'), String(N));
    // The curve was redrawn with the new users.
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as Win).document.querySelector('[data-curve-total]')?.textContent ===
        String(n),
      N,
    );
    await shot(page, 'tenant');

    // A rejected request shows up live too, then grouped by its reason.
    t.is(await page.textContent('[data-count="rejections"]'), '0', 'precondition: no rejection yet');
    const duplicate = await fixture.scim('POST', '/Users', { token, body: oktaUser('import0@example.com') });
    t.is(duplicate.status, 409, 'precondition: the duplicate is refused');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-count="rejections"]')?.textContent ===
        '1',
    );
    await page.waitForFunction(() =>
      Array.from((globalThis as unknown as Win).document.querySelectorAll('#feed li')).some((li) =>
        (li.textContent ?? '').includes('request.rejected'),
      ),
    );
    await page.reload();
    const groups = page.locator('table[data-table="rejections"] tbody tr');
    t.is(await groups.count(), 1);
    const [reason, n, examples] = await groups.first().locator('td').allTextContents();
    t.regex(reason!, /userName/i);
    t.is(n!.trim(), '1');
    t.regex(examples!, /import0@example\.com/);
    await shot(page, 'tenant-rejections');
    await context.close();
  });

  test.serial(
    'a person pushed into a group before they were assigned: the explanation says so',
    async (t) => {
      const { fixture } = t.context;
      const { tenantId, token } = await fixture.tenant('Explained');
      const ada = oktaUser('ada.lovelace@example.com');
      // Okta pushes the group naming Ada by its own id before it provisions her.
      const group = await fixture.scim('POST', '/Groups', {
        token,
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Platform',
          members: [{ value: ada.externalId }],
        },
      });
      t.is(group.status, 201, 'precondition: the group was pushed');
      t.is(
        (await fixture.scim('POST', '/Users', { token, body: ada })).status,
        201,
        'precondition: she was provisioned after',
      );

      // Later the group is renamed in Okta.
      const renamed = await fixture.scim('PATCH', `/Groups/${group.body.id}`, {
        token,
        body: patchOp({ op: 'replace', value: { id: group.body.id, displayName: 'Platform Engineering' } }),
      });
      t.is(renamed.status, 204, 'precondition: the group was renamed');
      const { context, page } = await signedIn(t, 'bob');
      await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}/people`);
      await page.fill('input[name=q]', 'ada.love');
      await Promise.all([page.waitForURL(/q=ada\.love/), page.click('form.actions button[type=submit]')]);
      await shot(page, 'people');
      await Promise.all([page.waitForURL(/\/people\/[^/?]+$/), page.click('text=ada.lovelace@example.com')]);
      t.regex((await page.textContent('[data-exists]')) ?? '', /Exists: yes/);
      t.is(await page.textContent('[data-active]'), 'yes');
      const skipped = (await page.textContent('table[data-table="skipped"]')) ?? '';
      t.regex(skipped, /Platform/, 'the department as it was named when the push skipped her');
      t.regex(skipped, new RegExp(ada.externalId));
      t.regex(skipped, /externalId/);
      t.regex(skipped, /before they were created/);
      t.regex(skipped, /no: push the group again/);
      const findings = (await page.textContent('[data-findings]')) ?? '';
      t.regex(findings, /Platform/);
      await shot(page, 'person');
      // The department's page: pushed, no pushed member yet.
      await Promise.all([
        page.waitForURL(/\/departments\/[^/]+$/),
        page.click('table[data-table="skipped"] a'),
      ]);
      t.regex((await page.textContent('.cards')) ?? '', /pushed/);
      const renames = page.locator('table[data-table="renames"] tbody tr');
      t.is(await renames.count(), 1);
      t.deepEqual(
        (await renames.first().locator('td').allTextContents()).slice(1, 3),
        ['Platform', 'Platform Engineering'],
        'the rename, from and to',
      );
      await shot(page, 'department');
      await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}/departments`);
      t.regex((await page.textContent('table[data-table="departments"]')) ?? '', /Platform/);
      await shot(page, 'departments');
      await context.close();
    },
  );

  test.serial(
    'an admin revokes a token after confirming; SCIM refuses it; the log names the operator',
    async (t) => {
      const { fixture } = t.context;
      const { tenantId, token, tokenId } = await fixture.tenant('Revoking');
      t.is(
        (await fixture.scim('GET', '/Users?count=1', { token })).status,
        200,
        'precondition: the token works',
      );
      const { context, page } = await signedIn(t, 'alice');
      await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
      await Promise.all([
        page.waitForURL(/\/revoke$/),
        page.click(`tr[data-token="${tokenId}"] a:has-text("Revoke")`),
      ]);
      t.truthy(await page.$('[data-confirm]'), 'a confirmation step comes first');
      t.is(
        (await fixture.scim('GET', '/Users?count=1', { token })).status,
        200,
        'nothing is done before confirming',
      );
      await shot(page, 'confirm');
      await Promise.all([page.waitForURL(/\?done=/), page.click('[data-confirm-button]')]);
      t.regex((await page.textContent('[data-done]')) ?? '', /Revoked/);
      t.is(
        (await fixture.scim('GET', '/Users?count=1', { token })).status,
        401,
        'SCIM refuses the revoked token',
      );
      const { events } = await fixture.clients.directory.listEvents({
        tenantId,
        resourceId: tokenId,
        resourceName: '',
        kinds: ['token.revoked'],
        problemsOnly: false,
        since: undefined,
        until: undefined,
        beforeSequence: 0,
        limit: 5,
      });
      t.deepEqual(
        events.map((e) => e.actor),
        ['operator:alice'],
      );

      // Issuing one shows it once, and it works.
      await Promise.all([page.waitForURL(/\/tokens\/new$/), page.click('text=Issue a token…')]);
      await Promise.all([page.waitForURL(/\/tokens$/), page.click('[data-confirm-button]')]);
      const issued = (await page.textContent('[data-new-token]'))!.trim();
      t.regex(issued, /^wzr_scim_/);
      await shot(page, 'new-token');
      t.is((await fixture.scim('GET', '/Users?count=1', { token: issued })).status, 200);

      // Disabling and enabling, each confirmed.
      await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
      await Promise.all([page.waitForURL(/\/disable$/), page.click('text=Disable the tenant…')]);
      await Promise.all([page.waitForURL(/\?done=/), page.click('[data-confirm-button]')]);
      t.is(await page.textContent('[data-tenant-status]'), 'disabled');
      t.is((await fixture.scim('GET', '/Users?count=1', { token: issued })).status, 401);
      await Promise.all([page.waitForURL(/\/enable$/), page.click('text=Enable the tenant…')]);
      await Promise.all([page.waitForURL(/\?done=/), page.click('[data-confirm-button]')]);
      t.is(await page.textContent('[data-tenant-status]'), 'active');
      t.is((await fixture.scim('GET', '/Users?count=1', { token: issued })).status, 200);
      await context.close();
    },
  );

  test.serial('a viewer sees no action and is refused (403) when posting one anyway', async (t) => {
    const { fixture } = t.context;
    const { tenantId, tokenId } = await fixture.tenant('Viewed');
    const { context, page } = await signedIn(t, 'bob');
    await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
    t.is(await page.locator('text=Revoke…').count(), 0);
    t.is(await page.locator('text=Issue a token…').count(), 0);
    t.is(await page.locator('text=Disable the tenant…').count(), 0);
    const csrf = await csrfOf(page);
    const origin = fixture.consoleUrl;
    for (const action of [
      `/tenants/${tenantId}/disable`,
      `/tenants/${tenantId}/tokens/${tokenId}/revoke`,
      `/tenants/${tenantId}/tokens`,
    ]) {
      const res = await page.request.post(`${origin}${action}`, {
        form: { _csrf: csrf! },
        headers: { Origin: origin },
      });
      t.is(res.status(), 403, action);
    }
    t.is(
      (await page.request.get(`${origin}/tenants/${tenantId}/disable`)).status(),
      403,
      'nor the confirmation',
    );
    const { tenants } = await fixture.clients.admin.listTenants({});
    t.false(tenants.find((x) => x.id === tenantId)!.disabled, 'the tenant is still enabled');
    await context.close();
  });

  test.serial('a forged form post is refused: no CSRF token, a wrong one, or another origin', async (t) => {
    const { fixture } = t.context;
    const { tenantId } = await fixture.tenant('Forged');
    const { context, page } = await signedIn(t, 'alice');
    await page.goto(`${fixture.consoleUrl}/tenants/${tenantId}`);
    const csrf = (await csrfOf(page))!;
    t.truthy(csrf, 'precondition: the page carries a CSRF token');
    const origin = fixture.consoleUrl;
    const url = `${origin}/tenants/${tenantId}/disable`;
    const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no token', {}, { Origin: origin }],
      ['a wrong token', { _csrf: `${csrf.slice(0, -2)}xx` }, { Origin: origin }],
      ['another session’s token', { _csrf: 'A'.repeat(csrf.length) }, { Origin: origin }],
      ['the right token from another origin', { _csrf: csrf }, { Origin: 'http://evil.example' }],
      ['the right token and no origin at all', { _csrf: csrf }, {}],
    ];
    for (const [what, form, headers] of attempts) {
      const res = await page.request.post(url, { form, headers, maxRedirects: 0 });
      t.is(res.status(), 403, what);
    }
    // A form on another site, submitted by the browser: refused too.
    const evil = await context.newPage();
    await evil.setContent(`<form method="post" action="${url}"><input name="_csrf" value="${csrf}"></form>`);
    const [response] = await Promise.all([
      evil.waitForResponse((r) => r.url() === url),
      evil.evaluate('document.forms[0].submit()'),
    ]);
    t.is(response.status(), 403, 'a cross-site form');
    const { tenants } = await fixture.clients.admin.listTenants({});
    t.false(tenants.find((x) => x.id === tenantId)!.disabled, 'the tenant is still enabled');
    // The same post with the page's token from the console itself works (the control).
    const ok = await page.request.post(url, {
      form: { _csrf: csrf },
      headers: { Origin: origin },
      maxRedirects: 0,
    });
    t.is(ok.status(), 303);
    await context.close();
  });

  test.serial(
    'a session expires after its lifetime (injected clock); signing out ends it at once',
    async (t) => {
      const { fixture } = t.context;
      const { context, page } = await signedIn(t, 'alice');
      await page.goto(`${fixture.consoleUrl}/tenants`);
      t.regex(page.url(), /\/tenants$/, 'precondition: signed in');
      const csrf = (await csrfOf(page))!;
      fixture.clock.offsetMs += (fixture.sessionMinutes + 1) * 60_000;
      try {
        await page.goto(`${fixture.consoleUrl}/tenants`);
        t.regex(page.url(), /\/login\?next=/, 'an expired session is sent to sign in');
        const res = await page.request.post(`${fixture.consoleUrl}/logout`, {
          form: { _csrf: csrf },
          headers: { Origin: fixture.consoleUrl },
          maxRedirects: 0,
        });
        t.is(res.status(), 401, 'and its forms are refused');
      } finally {
        fixture.clock.offsetMs = 0;
      }
      // Sign-out.
      const again = await signedIn(t, 'alice');
      await Promise.all([again.page.waitForURL(/\/login\?signedOut=1$/), again.page.click('text=Sign out')]);
      await again.page.goto(`${fixture.consoleUrl}/tenants`);
      t.regex(again.page.url(), /\/login/);
      await context.close();
      await again.context.close();
    },
  );

  test.serial('no page broke its Content-Security-Policy (no inline script or style)', (t) => {
    t.deepEqual(cspViolations, []);
  });
}
