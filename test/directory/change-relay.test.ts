import test from 'ava';
import { coalesced } from '../../services/directory/src/store/change-relay.js';

/** A send whose calls are recorded and finish only when the test says so. */
function controlledSend() {
  const sent: string[] = [];
  const finish: (() => void)[] = [];
  const send = (tenantId: string) =>
    new Promise<void>((resolve) => {
      sent.push(tenantId);
      finish.push(resolve);
    });
  /** Finishes the oldest send still under way, then lets its follow-up start. */
  const finishNext = async () => {
    finish.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sent, send, finishNext };
}

test('notifications for a tenant while one is under way become one more, sent when it returns', async (t) => {
  const { sent, send, finishNext } = controlledSend();
  const relay = coalesced(send);
  relay('t1');
  relay('t1');
  relay('t1');
  relay('t2');
  t.deepEqual(sent, ['t1', 't2'], 'one send a tenant at a time; other tenants are not held up');
  await finishNext(); // t1's first returns: the two commits since are told by one more
  t.deepEqual(sent, ['t1', 't2', 't1']);
  await finishNext(); // t2's returns: nothing was owed
  await finishNext(); // t1's second returns: nothing more was owed
  t.deepEqual(sent, ['t1', 't2', 't1']);
  relay('t1');
  t.deepEqual(sent, ['t1', 't2', 't1', 't1'], 'a later commit is sent at once');
});

test('a send that fails does not stop the next', async (t) => {
  let calls = 0;
  let fail: (() => void) | undefined;
  const relay = coalesced(
    () =>
      new Promise<void>((resolve, reject) => {
        calls++;
        fail = () => reject(new Error('connection lost'));
        if (calls > 1) resolve();
      }),
  );
  relay('t1');
  relay('t1');
  t.is(calls, 1);
  fail!();
  await new Promise((resolve) => setImmediate(resolve));
  t.is(calls, 2, 'the owed notification is still sent');
});
