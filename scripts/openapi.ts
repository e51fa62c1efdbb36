// `npm run openapi`: writes openapi/gateway-v1.yml and openapi/oasis-v1.yml from the code.
// `--check` writes nothing and exits 1 when the committed files differ from a fresh generation.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOpenApiFiles } from './openapi-render.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of Object.entries(renderOpenApiFiles())) {
  const path = join(root, file);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      console.error(`${file} is out of date: run npm run openapi`);
      stale += 1;
    }
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${file}`);
}
process.exit(stale ? 1 : 0);
