import test from 'ava';
import { validate, version } from 'uuid';
import { uuid7 } from '../../services/shared/uuid7.js';

// The generator's counter is process-wide: these run one after the other, each on a later clock.

/** The 48-bit millisecond an id carries. */
const msecsOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

test.serial('ids are valid UUIDv7s carrying the time they were made', (t) => {
  const at = Date.UTC(2026, 11, 1, 4, 30);
  const id = uuid7(at);
  t.true(validate(id) && version(id) === 7, id);
  t.is(msecsOf(id), at);
});

test.serial('ids of one millisecond count up: each sorts after the one before, none repeats', (t) => {
  // More ids than the pool holds (256 of 16 bytes), all in one millisecond of an injected clock.
  const at = Date.UTC(2030, 0, 1);
  const ids = Array.from({ length: 5000 }, () => uuid7(at));
  t.is(new Set(ids).size, ids.length);
  t.deepEqual([...ids].sort(), ids);
  t.true(ids.every((id) => validate(id) && version(id) === 7));
  // The counter starts afresh (at a random value) in each new millisecond, and stays in order.
  const later = uuid7(at + 1);
  t.is(msecsOf(later), at + 1);
  t.true(later > ids.at(-1)!);
});

test.serial('a clock that steps back keeps the ids in order', (t) => {
  const at = Date.UTC(2031, 0, 1);
  const first = uuid7(at);
  const second = uuid7(at - 5000);
  t.true(second > first, `${second} after ${first}`);
});
