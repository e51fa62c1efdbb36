// Bundles each deployable service into one ESM file under dist/ (node dist/gateway.js, dist/watcher.js, dist/reconciler.js).
// Packages that read files next to their own code at run time stay external and come from
// `npm ci --omit=dev` in the image: PGlite (its WASM and data bundle) and the Google Cloud
// Logging client (its .proto files).
import { build } from 'esbuild';

const services = { gateway: 'runtime/gateway/server.ts', watcher: 'runtime/watcher/server.ts', reconciler: 'runtime/reconciler/server.ts' };

const result = await build({
  entryPoints: services,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: true,
  external: ['@electric-sql/pglite', '@google-cloud/logging', 'google-gax', '@grpc/grpc-js', 'pg-native'],
  // Bundled CommonJS dependencies (pg) call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // esbuild's own summary flags every file over 1 MB with a warning sign; for a server bundle that is
  // expected (pg, hono, zod, the OpenAPI generator are inside it), so we print our own summary instead.
  logLevel: 'warning',
  metafile: true,
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  process.stdout.write(`  ${file.padEnd(22)} ${(output.bytes / 1024 / 1024).toFixed(1)} MB\n`);
}
process.stdout.write(
  '  One file per service with its dependencies inside (the size a browser bundle would worry about does not\n' +
    '  matter to a server: it is read once at start, cold start stays ~0.2 s; see README Performance).\n',
);
