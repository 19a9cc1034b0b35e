// Builds the playground's assets into public/: app.js (playground/*.ts, bundled by esbuild) and openapi.json (the
// OpenAPI document, assembled by src/http/openapi/document.ts from the routes' .doc.ts files), and prints the page's gzip size.
// Run by `npm run build:page` and `npm test`, and by wrangler ([build]) before `wrangler dev` (npm start),
// `wrangler deploy` and `wrangler types`.
import { readFileSync, writeFileSync } from 'node:fs';
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

// The document: src/http/openapi/document.ts bundled for Node and run here, so the Worker does not carry the builder.
const builder = await build({
  entryPoints: [join(root, 'src/http/openapi/document.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const code = builder.outputFiles[0].text;
const { openApiDocument } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
writeFileSync(join(root, 'public/openapi.json'), JSON.stringify(openApiDocument()));

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
    `playground: public/app.js and public/openapi.json built; page gzip ${Object.entries(sizes)
      .map(([file, n]) => `${file} ${kb(n)}`)
      .join(', ')}`,
  );
}
