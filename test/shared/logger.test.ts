import test from 'ava';
import { runTs } from '../helpers/processes.js';

// More than one write's worth (the buffer is written at 12 KiB, at most 16 KiB at once), with
// characters of two and three bytes, so that every line crosses a Buffer and a write boundary.
const COUNT = 2000;

for (const how of ['exit', 'return']) {
  test(`every line reaches stdout whole and in order when the process ends by ${how}`, async (t) => {
    const { code, output } = await runTs('test/helpers/log-lines.ts', [how, String(COUNT)], {});
    t.is(code, 0, output.slice(-2000));
    t.true(Buffer.byteLength(output) > 16 * 1024, 'the lines take more than one write');
    const lines = output
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    t.deepEqual(
      lines.map((line) => line.i),
      Array.from({ length: COUNT }, (_, i) => i),
    );
    t.true(lines.every((line) => line.text === 'déjà vu, 日本語 ✓' && line.service === 'log-lines'));
  });
}
