// Every relative link in README.md and docs/*.md resolves: the file exists and, for a link with #anchor into a
// Markdown file, a heading of that file has that anchor (GitHub's rule: lower case, punctuation dropped, spaces
// to hyphens). Links in code are not links. Run by `npm test` (node --test).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { root } from '../../scripts/npm-start.mjs';

/** The text outside fenced blocks and inline code, where Markdown links live. */
const prose = (markdown) => markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/``[^`]*``|`[^`\n]*`/g, '');

/** The anchors GitHub gives a Markdown file's headings, a repeated one suffixed -1, -2… */
function anchorsOf(markdown) {
  const seen = new Map();
  const anchors = new Set();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count ? `${slug}-${count}` : slug);
  }
  return anchors;
}

/** The relative link targets of a Markdown text: [text](target) and ![alt](target). */
const linksOf = (markdown) =>
  [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

for (const file of files) {
  test(`Every relative link in ${file} resolves, anchors included`, () => {
    const text = readFileSync(join(root, file), 'utf8');
    const broken = [];
    for (const target of linksOf(text)) {
      const [path, anchor] = target.split('#');
      const resolved = path ? join(dirname(join(root, file)), decodeURIComponent(path)) : join(root, file);
      if (!existsSync(resolved)) {
        broken.push(`${target}: no file ${relative(root, resolved)}`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${target}: no heading with the anchor #${anchor} in ${relative(root, resolved)}`);
      }
    }
    assert.deepEqual(broken, []);
  });
}

test('The link check sees links: the README links to docs/, with anchors, and finds its own headings', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.ok(linksOf(readme).filter((target) => target.startsWith('docs/')).length >= 10);
  assert.ok(anchorsOf(readme).has('walkthrough-send-read-hang-up'));
  assert.deepEqual([...anchorsOf('## A `b` c!\n## A `b` c!\n```\n# not a heading\n```\n')], ['a-b-c', 'a-b-c-1']);
  assert.deepEqual(linksOf('[a](x.md) `[b](y.md)` [c](https://e.com) ![d](p.png "t")'), ['x.md', 'p.png']);
});
