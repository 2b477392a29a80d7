import type { AddressInfo } from 'node:net';
import anyTest, { type TestFn } from 'ava';
import { buildConsoleApp } from '../../services/console/src/app.js';
import { createConsoleServer } from '../../services/console/src/server.js';
import { connectDirectory } from '@wizer/directory-client';
import { loadConfig } from '../../services/console/src/config.js';
import { html } from '../../services/console/src/html.js';
import { LoginLimiter, SessionStore } from '../../services/console/src/sessions.js';
import { startConsole, type ConsoleFixture } from '../helpers/console.js';

/** The console without a browser: its parts, and what plain HTTP clients get. */

const test = anyTest as TestFn<ConsoleFixture & { alice: string }>;

test.before(async (t) => {
  const fixture = await startConsole({ sessionMinutes: 5 });
  t.context = Object.assign(fixture, { alice: await fixture.addOperator('alice', 'admin') });
});
test.after.always(async (t) => {
  await t.context.close();
});

async function signIn(t: { context: ConsoleFixture }, name: string, password: string) {
  return fetch(`${t.context.consoleUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: t.context.consoleUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, password }).toString(),
  });
}

test('sessions last their lifetime after the last request (injected clock), and sign-in limits reset with time', (t) => {
  let now = 1_000_000;
  const sessions = new SessionStore(60_000, () => now);
  const session = sessions.create({ name: 'alice', role: 'admin' });
  t.regex(session.id, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
  t.not(session.csrf, session.id);
  now += 59_000;
  t.truthy(sessions.get(session.id), 'alive within its lifetime, and renewed');
  now += 59_000;
  t.true(sessions.alive(session.id));
  now += 2_000;
  t.false(sessions.alive(session.id));
  t.is(sessions.get(session.id), undefined, 'expired');

  const limiter = new LoginLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) limiter.failed('Bob');
  t.true(limiter.blocked('bob'), 'per name, case-insensitively');
  t.false(limiter.blocked('carol'), 'other names are not affected');
  now += 61_000;
  t.false(limiter.blocked('bob'), 'the window passes');
});

test('what a SCIM client sent is escaped on every page', (t) => {
  const evil = '<img src=x onerror=alert(1)>"\'&';
  t.is(html`<td>${evil}</td>`.text, '<td>&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</td>');
  t.is(html`<a href="${'" onclick="x'}"></a>`.text, '<a href="&quot; onclick=&quot;x"></a>');
});

test('configuration: loopback by default, one error naming every bad variable', (t) => {
  t.like(loadConfig({}), { address: '127.0.0.1:8090', host: '127.0.0.1', port: 8090, sessionMinutes: 60 });
  t.like(loadConfig({ CONSOLE_ADDRESS: '0.0.0.0:9000', CONSOLE_SESSION_MINUTES: '15' }), {
    host: '0.0.0.0',
    port: 9000,
    sessionMinutes: 15,
  });
  const error = t.throws(() =>
    loadConfig({
      CONSOLE_ADDRESS: 'nowhere',
      CONSOLE_SESSION_MINUTES: '0',
      CONSOLE_TLS_CERT_FILE: '/nope.pem',
      CONSOLE_DIRECTORY_CREDENTIAL: 'wzr_scim_x',
    }),
  );
  for (const name of [
    'CONSOLE_ADDRESS',
    'CONSOLE_SESSION_MINUTES',
    'CONSOLE_TLS_CERT_FILE',
    'CONSOLE_DIRECTORY_CREDENTIAL',
  ])
    t.regex(error!.message, new RegExp(name));
});

test('the session cookie: random, HttpOnly, SameSite=Strict; pages carry no-store, CSP and no framing', async (t) => {
  const res = await signIn(t, 'alice', t.context.alice);
  t.is(res.status, 303);
  const cookie = res.headers.get('set-cookie') ?? '';
  t.regex(cookie, /^wizer_console=[A-Za-z0-9_-]{43};/);
  t.regex(cookie, /httponly/i);
  t.regex(cookie, /samesite=strict/i);
  t.notRegex(cookie, /secure/i, 'not Secure over plain HTTP (it would never be sent back)');
  const page = await fetch(`${t.context.consoleUrl}/tenants`, { headers: { Cookie: cookie.split(';')[0]! } });
  t.is(page.status, 200);
  t.is(page.headers.get('cache-control'), 'no-store');
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  t.regex(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  t.is(page.headers.get('x-frame-options'), 'DENY');
});

test('five wrong passwords lock the name for a while: even the right one is refused, then accepted again', async (t) => {
  const name = 'locked';
  const password = await t.context.addOperator(name, 'viewer');
  for (let i = 0; i < 5; i++) t.is((await signIn(t, name, 'wrong')).status, 401);
  const blocked = await signIn(t, name, password);
  t.is(blocked.status, 429);
  t.regex(await blocked.text(), /Too many failed sign-ins/);
  t.is((await signIn(t, 'alice', t.context.alice)).status, 303, 'another name is not affected');
  t.context.clock.offsetMs += 16 * 60_000;
  try {
    t.is((await signIn(t, name, password)).status, 303, 'after the window the right password works');
  } finally {
    t.context.clock.offsetMs = 0;
  }
});

test('without a session: pages send to sign-in (keeping where one was going), streams and posts get 401', async (t) => {
  const { consoleUrl } = t.context;
  const page = await fetch(`${consoleUrl}/tenants/x/people?q=a`, {
    redirect: 'manual',
    headers: { Accept: 'text/html' },
  });
  t.is(page.status, 302);
  t.is(page.headers.get('location'), `/login?next=${encodeURIComponent('/tenants/x/people?q=a')}`);
  t.is(
    (await fetch(`${consoleUrl}/tenants/x/stream`, { headers: { Accept: 'text/event-stream' } })).status,
    401,
  );
  const post = await fetch(`${consoleUrl}/tenants/x/disable`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: consoleUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: '_csrf=x',
  });
  t.is(post.status, 401);
  // A sign-in never sends anyone to another site.
  const res = await fetch(`${consoleUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: consoleUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      name: 'alice',
      password: t.context.alice,
      next: '//evil.example/x',
    }).toString(),
  });
  t.is(res.headers.get('location'), '/tenants');
});

test('behind a TLS-terminating proxy (CONSOLE_TRUST_PROXY): the public origin is checked and the cookie is Secure', async (t) => {
  const { secret } = await t.context.issueCredential('console');
  const directory = connectDirectory(t.context.address, { actor: 'console', credential: secret });
  const server = createConsoleServer(buildConsoleApp({ directory, sessionMinutes: 5, trustProxy: true }));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const post = (origin: string) =>
      fetch(`${local}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          Origin: origin,
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-Host': 'console.wizer.example',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ name: 'alice', password: t.context.alice }).toString(),
      });
    t.is((await post(local)).status, 403, 'the internal origin is not the public one');
    const res = await post('https://console.wizer.example');
    t.is(res.status, 303);
    t.regex(res.headers.get('set-cookie') ?? '', /;\s*secure/i);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    directory.close();
  }
});
