import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import * as client from '@wizer/directory-client';
import { departmentCatalog, userCatalog } from '../../services/directory/src/store/catalogs.js';
import { ROOT } from '../helpers/processes.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Contract for other Wizer services'),
  readme.indexOf('## The SCIM API'),
);

/** The backquoted names in the row of the field table whose first cell is `name`. */
function fieldsOf(name: string): { fields: string[]; filterOnly: string[] } {
  const row = section.split('\n').find((line) => line.startsWith(`| \`${name}`));
  if (!row) throw new Error(`no row for ${name}`);
  const cell = row.split('|')[2]!;
  const [both, filterOnly = ''] = cell.split('filter only:');
  const names = (text: string) => [...text.matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]!);
  return { fields: names(both!), filterOnly: names(filterOnly).slice(0, 1) };
}

test('the README lists exactly the fields a query may use', (t) => {
  t.deepEqual(fieldsOf('ListUsers').fields.sort(), Object.keys(userCatalog.fields).sort());
  t.deepEqual(fieldsOf('anyEmail').fields.sort(), Object.keys(userCatalog.emailSubquery!.fields).sort());
  const departments = fieldsOf('ListDepartments');
  t.deepEqual(departments.fields.sort(), Object.keys(departmentCatalog.fields).sort());
  t.deepEqual(departments.filterOnly, Object.keys(departmentCatalog.memberships ?? {}));
});

test('what the README says the client package exports, it exports', (t) => {
  const named = section.slice(0, section.indexOf('### Depending on it'));
  const exports = client as Record<string, unknown>;
  for (const name of [
    'connectDirectory',
    'follow',
    'query',
    'cmp',
    'and',
    'or',
    'not',
    'anyEmail',
    'clientCredentials',
    'AUTHORIZATION_HEADER',
    'ACTOR_HEADER',
    'REASON_TRAILER',
    'PRUNED_THROUGH_TRAILER',
    'ErrorReason',
    'reasonOf',
  ]) {
    t.true(named.includes(`\`${name}\``), `the README names ${name}`);
    t.not(exports[name], undefined, `the package exports ${name}`);
  }
  t.is(client.REASON_TRAILER, 'x-wizer-reason');
  t.is(client.PRUNED_THROUGH_TRAILER, 'x-wizer-pruned-through');
});
