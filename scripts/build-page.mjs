// Builds the playground (playground/*.ts) into public/app.js with esbuild, and prints the page's gzip size.
// Run by `npm run build:page`, and by wrangler before `wrangler dev` (npm start) and `wrangler deploy` ([build]).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

await build({
  entryPoints: [join(root, 'playground/main.ts')],
  outfile: join(root, 'public/app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});

/** gzip (level 9) sizes of the page's files, as served from public/. */
function pageSizes() {
  const files = ['index.html', 'style.css', 'app.js'];
  const sizes = Object.fromEntries(
    files.map((file) => [file, gzipSync(readFileSync(join(root, 'public', file)), { level: 9 }).length]),
  );
  return { ...sizes, total: Object.values(sizes).reduce((a, b) => a + b, 0) };
}

if (!quiet) {
  const sizes = pageSizes();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `playground: public/app.js built; gzip ${Object.entries(sizes)
      .map(([file, n]) => `${file} ${kb(n)}`)
      .join(', ')}`,
  );
}
