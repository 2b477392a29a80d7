import test from 'ava';
import { RejectionSampler, type Rejection } from '../../gateway/src/rejection-sampler.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const notFound = (tenantId: string, id: string): Rejection => ({
  tenantId,
  actor: 'token:t1',
  operation: `GET /api/v1/scim/v2/Users/${id}`,
  route: 'GET /api/v1/scim/v2/Users/:id',
  reason: `no user with id ${id}`,
  httpStatus: 404,
  scimType: '',
  resourceType: 'user',
  resourceId: id,
  resourceName: '',
});

const duplicate = (tenantId: string, userName: string): Rejection => ({
  tenantId,
  actor: 'token:t1',
  operation: 'POST /api/v1/scim/v2/Users',
  route: 'POST /api/v1/scim/v2/Users',
  reason: 'a user with that userName already exists in this tenant',
  httpStatus: 409,
  scimType: 'uniqueness',
  resourceType: 'user',
  resourceId: '',
  resourceName: userName,
});

const limits = { rps: 1, burst: 5, windowMs: 60_000 };

test('the first of identical rejections is logged; repeats in the window become one summary', (t) => {
  const c = clock();
  const sampler = new RejectionSampler(limits, c.now);
  t.true(sampler.admit(duplicate('a', 'Ann@example.com')));
  c.advance(1000);
  // The subject is the userName, case-insensitively, as uniqueness is.
  for (const name of ['ann@example.com', 'ANN@example.com', 'Ann@example.com'])
    t.false(sampler.admit(duplicate('a', name)));
  t.deepEqual(sampler.due(), [], 'nothing is due while the window is open');
  c.advance(59_000);
  const [summary, ...rest] = sampler.due();
  t.deepEqual(rest, []);
  t.like(summary, { tenantId: 'a', repeats: 3, httpStatus: 409, resourceName: 'Ann@example.com' });
  t.regex(
    summary!.reason,
    /^3 more like this \(409 uniqueness on POST \/api\/v1\/scim\/v2\/Users for Ann@example\.com\) within 60 s/,
  );
  t.deepEqual(sampler.due(), [], 'each summary once');
  t.true(sampler.admit(duplicate('a', 'ann@example.com')), 'after the window, logged again');
});

test('a logged rejection that is not repeated needs no summary', (t) => {
  const c = clock();
  const sampler = new RejectionSampler(limits, c.now);
  t.true(sampler.admit(notFound('a', 'x')));
  c.advance(60_000);
  t.deepEqual(sampler.due(), []);
});

test('distinct rejections are logged up to the tenant’s budget; the rest are counted into one summary', (t) => {
  const c = clock();
  const sampler = new RejectionSampler(limits, c.now);
  const admitted = Array.from({ length: 20 }, (_, i) => sampler.admit(notFound('a', `id-${i}`)));
  t.is(admitted.filter(Boolean).length, 5, 'the burst');
  t.deepEqual(admitted.slice(0, 5), [true, true, true, true, true]);
  // A rejection about a user has a budget of its own: a flood of 404s cannot hide it.
  t.true(sampler.admit(duplicate('a', 'bob@example.com')));
  // Another tenant is not affected at all.
  t.true(sampler.admit(notFound('b', 'id-0')));
  // The bucket refills at rps.
  c.advance(1000);
  t.true(sampler.admit(notFound('a', 'id-100')));
  t.false(sampler.admit(notFound('a', 'id-101')));
  c.advance(59_000);
  const due = sampler.due();
  t.is(due.length, 1);
  t.like(due[0], { tenantId: 'a', repeats: 16, httpStatus: 404, resourceType: 'request', resourceName: '' });
  t.regex(
    due[0]!.reason,
    /16 more rejection\(s\) within 60 s were over this tenant's logging limit \(1\/s, bursts of 5\).*404 ×16/,
  );
});

test('over the budget, rejections about users are counted and their names kept in the summary', (t) => {
  const c = clock();
  const sampler = new RejectionSampler({ ...limits, burst: 1 }, c.now);
  t.true(sampler.admit(duplicate('a', 'first@example.com')));
  t.false(sampler.admit(duplicate('a', 'second@example.com')));
  t.false(sampler.admit(duplicate('a', 'third@example.com')));
  const [overflow] = sampler.flushAll();
  t.like(overflow, { repeats: 2 });
  t.regex(overflow!.reason, /409 ×2; about second@example\.com, third@example\.com$/);
});

test('a flood at 55/s for ten minutes: the log gets what the budget allows, not the flood', (t) => {
  const c = clock();
  const sampler = new RejectionSampler({ rps: 10, burst: 50, windowMs: 60_000 }, c.now);
  let written = 0;
  let counted = 0;
  for (let i = 0; i < 55 * 600; i++) {
    // Half unknown ids never seen before, half the same unknown id again and again.
    if (sampler.admit(i % 2 ? notFound('a', `id-${i}`) : notFound('a', 'same'))) written++;
    else counted++;
    c.advance(1000 / 55);
    const due = sampler.due();
    written += due.length;
    for (const entry of due) counted -= entry.repeats;
  }
  for (const entry of sampler.flushAll()) {
    written++;
    counted -= entry.repeats;
  }
  t.is(counted, 0, 'every rejection not logged is accounted for in a summary');
  // 27.5/s of distinct 404s against a budget of 10/s: the burst, then 10/s; and per minute at most
  // the repeated one logged again, its summary, and the summary of what was over the budget.
  t.log(`${written} entries for ${55 * 600} rejections`);
  t.true(written <= 50 + 10 * 600 + 3 * 10, String(written));
});
