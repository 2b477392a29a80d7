import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ROOT } from '../helpers/processes.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');

for (const readme of ['README.md', 'packages/directory-client/README.md']) {
  test(`every link of ${readme} resolves inside the repository`, (t) => {
    const text = fs.readFileSync(path.join(ROOT, readme), 'utf8');
    const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    t.false(text.includes('../shared'), 'nothing points outside the repository');
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    for (const link of links) {
      t.false(/^[a-z]+:/i.test(link), `${link}: the README links only to the repository`);
      if (link.startsWith('#')) t.true(anchors.has(link.slice(1)), `${link}: no such heading`);
      else {
        const target = path.resolve(ROOT, path.dirname(readme), link.split('#')[0]!);
        t.true(target.startsWith(`${ROOT}${path.sep}`), `${link}: outside the repository`);
        t.true(fs.existsSync(target), `${link}: no such file`);
      }
    }
    if (readme === 'README.md') t.true(links.length >= 4, 'precondition: the README has its links');
  });
}
