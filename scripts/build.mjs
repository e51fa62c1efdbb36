// Bundles each deployable service into one ESM file under dist/ (node dist/gateway.js, dist/watcher.js, dist/reconciler.js).
// Packages that read files next to their own code at run time stay external and come from
// `npm ci --omit=dev` in the image: PGlite (its WASM and data bundle) and the Google Cloud
// Logging client (its .proto files).
import { build } from 'esbuild';

const services = { gateway: 'runtime/gateway/server.ts', watcher: 'runtime/watcher/server.ts', reconciler: 'runtime/reconciler/server.ts' };

await build({
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
  logLevel: 'info',
});
