import anyTest, { type TestFn } from 'ava';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';

/**
 * Look-alike identities (security review, finding 8): names are trimmed and stored NFC, unique
 * and found under NFKC + lower case, and refused when they hold an invisible character.
 */
const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

const filtered = async (t: { context: GatewayFixture }, token: string, resource: string, filter: string) =>
  (await t.context.scim('GET', `/${resource}?filter=${encodeURIComponent(filter)}`, { token })).body;

/** Each case is a name sent after `alice@a.com` exists: refused (400, naming the code point) or taken (409). */
const USER_NAMES: [string, string, 400 | 409, string?][] = [
  ['U+0000 alone', '\u0000', 400, 'U+0000'],
  ['U+0000 inside', 'alice\u0000@a.com', 400, 'U+0000'],
  ['DEL', 'ali\u007Fce@a.com', 400, 'U+007F'],
  ['C1 control', 'ali\u009Bce@a.com', 400, 'U+009B'],
  ['C1 next line, inside', 'ali\u0085ce@a.com', 400, 'U+0085'],
  ['right-to-left override', '\u202Emoc.a@ecila', 400, 'U+202E'],
  ['left-to-right mark', 'alice\u200E@a.com', 400, 'U+200E'],
  ['right-to-left mark', 'alice\u200F@a.com', 400, 'U+200F'],
  ['bidi embedding', '\u202Aalice@a.com', 400, 'U+202A'],
  ['bidi isolate', '\u2066alice@a.com\u2069', 400, 'U+2066'],
  ['zero-width space', 'al\u200Bice@a.com', 400, 'U+200B'],
  ['zero-width non-joiner', 'al\u200Cice@a.com', 400, 'U+200C'],
  ['zero-width joiner', 'al\u200Dice@a.com', 400, 'U+200D'],
  ['word joiner', 'al\u2060ice@a.com', 400, 'U+2060'],
  ['byte-order mark in front', '\uFEFFalice@a.com', 400, 'U+FEFF'],
  ['fullwidth', 'ａｌｉｃｅ＠ａ.ｃｏｍ', 409],
  ['fullwidth capitals', 'ＡＬＩＣＥ@a.com', 409],
  ['other case', 'ALICE@A.COM', 409],
  ['surrounding spaces', '  alice@a.com ', 409],
  ['surrounding tab and no-break space', '\talice@a.com\u00A0', 409],
];

test('look-alike userNames are refused as invalid or as the same user', async (t) => {
  const { token } = await t.context.tenant();
  const alice = await t.context.scim('POST', '/Users', { token, body: oktaUser('alice@a.com') });
  t.is(alice.status, 201);
  for (const [label, userName, status, codePoint] of USER_NAMES) {
    const res = await t.context.scim('POST', '/Users', { token, body: oktaUser(userName) });
    t.is(res.status, status, label);
    t.is(res.body.scimType, status === 400 ? 'invalidValue' : 'uniqueness', label);
    if (codePoint) {
      t.regex(res.body.detail, /^userName contains /, label);
      t.true(res.body.detail.includes(codePoint), `${label}: ${res.body.detail}`);
    }
  }
  // The same names are refused by a PATCH of another user's userName.
  const bob = (await t.context.scim('POST', '/Users', { token, body: oktaUser('bob@a.com') })).body;
  for (const [label, value, status] of [
    ['fullwidth', 'ａｌｉｃｅ@a.com', 409],
    ['zero-width', 'bo\u200Bb@a.com', 400],
  ] as const) {
    const res = await t.context.scim('PATCH', `/Users/${bob.id}`, {
      token,
      body: patchOp({ op: 'replace', path: 'userName', value }),
    });
    t.is(res.status, status, label);
  }
  const all = await filtered(t, token, 'Users', 'userName pr');
  t.deepEqual(all.Resources.map((u: { userName: string }) => u.userName).sort(), [
    'alice@a.com',
    'bob@a.com',
  ]);
});

test('userName and emails are stored trimmed and NFC, case kept, and found by any look-alike of them', async (t) => {
  const { token } = await t.context.tenant();
  const cases: [sent: string, stored: string, lookups: string[]][] = [
    [' Bob@A.com ', 'Bob@A.com', ['Bob@A.com', 'bob@a.com', 'BOB@A.COM', 'ｂｏｂ@ａ.ｃｏｍ']],
    // "e" + combining diaeresis is stored as the one character "ë".
    ['Zoe\u0308@a.com', 'Zo\u00EB@a.com', ['zo\u00EB@a.com', 'ZOE\u0308@A.COM']],
    // A fullwidth name is kept as sent; its key is that of "carol@a.com".
    ['ＣＡＲＯＬ@a.com', 'ＣＡＲＯＬ@a.com', ['carol@a.com', 'Carol@A.com']],
  ];
  for (const [sent, stored, lookups] of cases) {
    const created = await t.context.scim('POST', '/Users', { token, body: oktaUser(sent) });
    t.is(created.status, 201, sent);
    t.is(created.body.userName, stored);
    t.is(created.body.emails[0].value, stored, 'the email (oktaUser repeats the userName) is stored alike');
    for (const lookup of lookups) {
      const found = await filtered(t, token, 'Users', `userName eq "${lookup}"`);
      t.deepEqual(
        found.Resources.map((u: { id: string }) => u.id),
        [created.body.id],
        `${sent} by ${lookup}`,
      );
    }
    const again = await t.context.scim('POST', '/Users', { token, body: oktaUser(stored.toUpperCase()) });
    t.is(again.status, 409, stored);
  }
  const byEmail = await filtered(t, token, 'Users', 'emails.value eq "bob@a.com"');
  t.is(byEmail.totalResults, 1);
});

test('emails and the department attribute follow the same rules, naming the attribute', async (t) => {
  const { token } = await t.context.tenant();
  const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  for (const [label, body, attribute] of [
    [
      'email',
      oktaUser('dave@a.com', { emails: [{ value: 'dave\u202E@a.com', primary: true }] }),
      'emails[0].value',
    ],
    [
      'department',
      oktaUser('erin@a.com', { [enterprise]: { department: 'Sa\u200Bles' } }),
      'enterprise.department',
    ],
  ] as const) {
    const res = await t.context.scim('POST', '/Users', { token, body });
    t.is(res.status, 400, label);
    t.is(res.body.scimType, 'invalidValue', label);
    t.true(res.body.detail.startsWith(`${attribute} contains U+`), res.body.detail);
  }
  t.is((await filtered(t, token, 'Users', 'userName pr')).totalResults, 0);
});

const GROUP_NAMES: [string, string, 400 | 409][] = [
  ['other case', 'SALES', 409],
  ['fullwidth', 'Ｓａｌｅｓ', 409],
  ['surrounding spaces', ' Sales ', 409],
  ['zero-width space', 'Sa\u200Bles', 400],
  ['right-to-left override', '\u202Eselas', 400],
  ['U+0000', 'Sales\u0000', 400],
  ['bidi isolate', '\u2067Sales\u2069', 400],
];

test('look-alike group displayNames are refused; displayName is trimmed and found by its look-alikes', async (t) => {
  const { token } = await t.context.tenant();
  const sales = await t.context.scim('POST', '/Groups', { token, body: { displayName: 'Sales' } });
  t.is(sales.status, 201);
  for (const [label, displayName, status] of GROUP_NAMES) {
    const res = await t.context.scim('POST', '/Groups', { token, body: { displayName } });
    t.is(res.status, status, label);
    t.is(res.body.scimType, status === 400 ? 'invalidValue' : 'uniqueness', label);
    if (status === 400) t.regex(res.body.detail, /displayName\) contains U\+/, label);
  }
  // A rename onto a look-alike is refused the same way, and leaves the name as it was.
  for (const [displayName, status] of [
    ['Sa\u200Bles', 400],
    ['\u202Eselas', 400],
  ] as const) {
    const res = await t.context.scim('PATCH', `/Groups/${sales.body.id}`, {
      token,
      body: patchOp({ op: 'replace', path: 'displayName', value: displayName }),
    });
    t.is(res.status, status);
  }
  const support = await t.context.scim('POST', '/Groups', { token, body: { displayName: '  Support\t' } });
  t.is(support.status, 201);
  t.is(support.body.displayName, 'Support');
  const other = await t.context.scim('POST', '/Groups', { token, body: { displayName: 'Other' } });
  const taken = await t.context.scim('PATCH', `/Groups/${other.body.id}`, {
    token,
    body: patchOp({ op: 'replace', path: 'displayName', value: 'ＳＵＰＰＯＲＴ' }),
  });
  t.is(taken.status, 409);
  const found = await filtered(t, token, 'Groups', 'displayName eq "ｓｕｐｐｏｒｔ"');
  t.deepEqual(
    found.Resources.map((g: { id: string }) => g.id),
    [support.body.id],
  );
  const names = (await filtered(t, token, 'Groups', 'displayName pr')).Resources.map(
    (g: { displayName: string }) => g.displayName,
  );
  t.deepEqual(names.sort(), ['Other', 'Sales', 'Support']);
});
