import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository (or image) root that holds migrations/ and policies/. Found by walking up from this
 * file, so it works from runtime/ under tsx and from dist/ in the bundle.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'migrations')) && existsSync(join(dir, 'policies'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the migrations/ and policies/ folders above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
