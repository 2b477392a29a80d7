import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { COMMANDS } from '../../scripts/admin/commands.js';
import { findCommand, parseCommand } from '../../scripts/admin/grammar.js';
import { parseCount, parseDuration, parseTime } from '../../scripts/admin/values.js';
import { ROOT } from '../helpers/processes.js';

/** Every admin CLI invocation the README shows, as words (placeholders such as `<tenant id>` made one word). */
function readmeInvocations(): string[][] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return (
    [...readme.matchAll(/npm run admin -- ([^`\n#|]+)/g)]
      .map((m) => m[1]!.trim())
      // The grammar itself (`<command> [options]`) and elided examples (`credentials issue …`).
      .filter((line) => !line.includes('…') && !line.startsWith('<command>'))
      .map((line) => line.replace(/<[^>]+>/g, 'X'))
      .map((line) =>
        [...line.matchAll(/(?:"[^"]*"|\$\([^)]*\)|[^\s"])+/g)].map((w) => w[0].replace(/^"(.*)"$/, '$1')),
      )
  );
}

/** The values the grammar leaves to the command, checked as the command checks them. */
const VALUES: Record<string, (flag: string, value: string) => unknown> = {
  expires: (f, v) => parseTime(f, v, 1),
  since: (f, v) => parseTime(f, v, -1),
  until: (f, v) => parseTime(f, v, -1),
  'older-than': parseDuration,
  limit: (f, v) => parseCount(f, v, 1, 1000),
};

test('the README shows every admin command with an example', (t) => {
  const shown = new Set(
    readmeInvocations().flatMap((words) => {
      const found = findCommand(COMMANDS, words);
      return found && 'spec' in found ? [found.spec.name] : [];
    }),
  );
  for (const command of COMMANDS) t.true(shown.has(command.name), command.name);
});

test('every admin invocation in the README is one the CLI accepts', (t) => {
  const invocations = readmeInvocations();
  t.true(invocations.length >= COMMANDS.length);
  for (const words of invocations) {
    const line = words.join(' ');
    const found = findCommand(COMMANDS, words);
    if (!found || !('spec' in found)) {
      t.fail(`not a command: ${line}`);
      continue;
    }
    let args: Record<string, unknown> = {};
    t.notThrows(() => ({ args } = parseCommand(found.spec, found.rest)), line);
    for (const [flag, check] of Object.entries(VALUES)) {
      const value = args[flag];
      if (typeof value === 'string') t.notThrows(() => check(`--${flag}`, value), line);
    }
  }
});
