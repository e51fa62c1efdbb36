// @ts-check
/**
 * The layering of runtime/, defined once. `.dependency-cruiser.cjs` turns it into import rules,
 * `eslint.config.mjs` reads the same domain list for the clock rule, docs/ARCHITECTURE.md shows it
 * (test/architecture/layering-doc.test.ts keeps the doc equal to this file).
 *
 * Paths are relative to the repository root, as dependency-cruiser and ESLint see them.
 */

/** The folders every feature stands on; core itself uses no other runtime folder. */
const CORE = 'runtime/core';

/** Why a platform layer knows no feature (each layer's own reason for what it may use follows it). */
const PLATFORM_WHY = 'a platform layer serves every feature, so it knows none of them, nor the composition root';

/** Platform layers: infrastructure a feature uses, each allowed to use only the layers listed. */
const PLATFORM_LAYERS = [
  { folder: 'runtime/db', mayUse: [CORE], rule: 'db-uses-only-core', why: PLATFORM_WHY },
  {
    folder: 'runtime/http',
    mayUse: [CORE, 'runtime/db'],
    rule: 'http-uses-only-core-and-db',
    why: `${PLATFORM_WHY}; it uses db because its errors are answers: on-error.ts and write-errors.ts map the database's outage and the write budget's timeouts to 503s`,
  },
  { folder: 'runtime/service', mayUse: [CORE], rule: 'service-uses-only-core', why: PLATFORM_WHY },
];

/** Feature folders (runtime/<name>/): they use core, db and http, and each other only through SEAMS. */
const FEATURES = [
  'events',
  'github',
  'feed',
  'ledger',
  'agents',
  'console',
  'timeline',
  'metrics',
  'board',
  'watcher',
  'reconciler',
];

/** Features that are processes of their own (a server, a CLI) and so use runtime/service/. */
const PROCESS_FEATURES = ['watcher', 'reconciler'];

/** The composition root: wires every module together; may import any runtime module, and nothing imports it. */
const COMPOSITION_ROOT = 'runtime/gateway';

/**
 * The heartbeat client (the workspace package @vitana/agent-heartbeat), and the VTID grammar it may
 * use besides itself (the package @vitana/vtid, which is also core's VTID grammar).
 */
const HEARTBEAT_FOLDERS = ['runtime/packages/agent-heartbeat'];
const VTID_GRAMMAR = ['runtime/packages/vtid'];

/** npm workspace packages: installable on their own, so they use only each other. */
const PACKAGES = 'runtime/packages';

/**
 * The workspace packages core and the platform layers may use: the VTID grammar (core's VTID
 * schemas are built on it). Not the heartbeat client, nor its wire constants: those are the contract
 * between the client and the agents feature, which imports `@vitana/agent-heartbeat/wire` itself.
 */
const LAYER_PACKAGES = VTID_GRAMMAR;

/**
 * The deliberate, named seams between features: `from` may import the module `to`
 * (runtime/<to>) of another feature, for the reason given. Any other cross-feature import fails
 * no-feature-internals.
 */
const SEAMS = [
  { from: 'agents', to: 'events/new-event.ts', why: 'an agent status change is reported as an event' },
  { from: 'agents', to: 'events/schema.ts', why: 'an agent event carries an event status' },
  { from: 'agents', to: 'events/repository.ts', why: 'a heartbeat and the offline detector store their event in the transaction of the agent row' },
  { from: 'board', to: 'events/schema.ts', why: "the board's states are event statuses" },
  { from: 'feed', to: 'events/schema.ts', why: 'the feed sends stored events and filters them by the events filter' },
  { from: 'feed', to: 'events/position.ts', why: 'the feed walks events in their feed order' },
  { from: 'feed', to: 'events/repository.ts', why: "the feed reads its pages with the events' only SQL" },
  { from: 'github', to: 'events/bounds.ts', why: "a layer label is bounded as the event's layer column is" },
  { from: 'github', to: 'events/schema.ts', why: 'a webhook status is an event status' },
  { from: 'github', to: 'events/new-event.ts', why: 'a webhook delivery normalizes into a new event' },
  { from: 'github', to: 'events/writer.ts', why: 'webhooks are stored through the group-commit event writer' },
  { from: 'ledger', to: 'events/new-event.ts', why: 'the ledger writes its lifecycle events' },
  { from: 'ledger', to: 'events/schema.ts', why: 'a lifecycle event carries an event status' },
  { from: 'ledger', to: 'events/repository.ts', why: 'lifecycle events are inserted in the transaction of the ledger row' },
  { from: 'reconciler', to: 'events/new-event.ts', why: 'the reconciler reports its passes as events' },
  { from: 'reconciler', to: 'events/schema.ts', why: 'a reconciler event carries an event status' },
  { from: 'reconciler', to: 'events/repository.ts', why: 'the reconciler looks up the deliveries OASIS holds and its own earlier events' },
  { from: 'reconciler', to: 'events/writer.ts', why: 'the reconciler stores its events through the group-commit event writer' },
  { from: 'reconciler', to: 'github/describe.ts', why: 'a delivery is judged by the same event table the webhook route uses' },
  { from: 'watcher', to: 'events/bounds.ts', why: "a deploy event must fit the ingest API's bounds (title, actor, layer)" },
  { from: 'timeline', to: 'events/schema.ts', why: "a timeline is built from a task's stored events" },
  { from: 'timeline', to: 'events/repository.ts', why: "the timeline reads a task's events with the events' only SQL" },
  { from: 'timeline', to: 'ledger/ledger-repository.ts', why: "a timeline starts from the task's ledger entry and its children" },
  { from: 'timeline', to: 'ledger/schema.ts', why: 'the timeline answer embeds the ledger entry' },
];

/**
 * Domain modules: pure logic. They import no HTTP, no database and no clock (rule domain-is-pure);
 * their other runtime imports are domain modules too (type-only imports excepted: they vanish at
 * compile time), so the purity holds through everything they load. ESLint's domain-clock rule
 * forbids the clock globals in exactly these files.
 */
const DOMAIN_MODULES = [
  'runtime/core/caller.ts',
  'runtime/core/object.ts',
  'runtime/core/outcome.ts',
  'runtime/core/refusal.ts',
  'runtime/core/storable.ts',
  'runtime/core/text.ts',
  'runtime/core/zod-issues.ts',
  'runtime/events/bounds.ts',
  'runtime/events/new-event.ts',
  'runtime/events/page.ts',
  'runtime/events/position.ts',
  'runtime/github/body.ts',
  'runtime/github/describe.ts',
  'runtime/github/normalize.ts',
  'runtime/github/payload.ts',
  'runtime/github/signature.ts',
  'runtime/github/status.ts',
  'runtime/ledger/ledger-events.ts',
  'runtime/ledger/new-entry.ts',
  'runtime/ledger/transitions.ts',
  'runtime/ledger/update-plan.ts',
  'runtime/feed/audience.ts',
  'runtime/feed/frames.ts',
  'runtime/agents/agent-events.ts',
  'runtime/agents/beat.ts',
  'runtime/agents/coalesce.ts',
  'runtime/agents/state.ts',
  'runtime/timeline/event-times.ts',
  'runtime/timeline/phases.ts',
  'runtime/timeline/steps.ts',
  'runtime/metrics/figures.ts',
  'runtime/metrics/window.ts',
  'runtime/board/board.ts',
  'runtime/watcher/audit-log.ts',
  'runtime/watcher/proto.ts',
  'runtime/reconciler/credential-rules.ts',
  'runtime/reconciler/decide.ts',
  'runtime/reconciler/feed-events.ts',
  'runtime/reconciler/hooks.ts',
  'runtime/packages/vtid/src/index.ts',
  'runtime/packages/agent-heartbeat/src/backoff.ts',
  'runtime/packages/agent-heartbeat/src/task.ts',
  'runtime/packages/agent-heartbeat/src/wire.ts',
];

/**
 * What a domain module may not import, by concern: npm packages (a name ending in / is a whole
 * scope), node built-ins (with or without `node:`), and runtime folders.
 */
const DOMAIN_FORBIDDEN_IMPORTS = {
  http: { packages: ['hono', '@hono/'], builtins: ['http', 'https', 'http2', 'net', 'tls', 'dgram'], folders: ['runtime/http'] },
  database: { packages: ['pg', '@electric-sql/pglite'], builtins: [], folders: ['runtime/db'] },
  clock: { packages: [], builtins: ['timers', 'timers/promises', 'perf_hooks'], folders: [] },
};

/** One concern's forbidden imports, as the docs say them. */
function describeImports({ packages, builtins, folders }) {
  return [...packages.map((name) => (name.endsWith('/') ? `${name}*` : name)), ...builtins.map((name) => `node:${name}`), ...folders.map((folder) => `${folder}/`)].join(', ');
}

/** The clock as globals, which no import rule sees: ESLint forbids these in DOMAIN_MODULES. */
const DOMAIN_FORBIDDEN_GLOBALS = [
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'performance',
  'fetch',
];

/**
 * The rules, as the docs list them: `name` is what a failing run prints. `.dependency-cruiser.cjs`
 * implements every rule whose tool is dependency-cruiser; eslint.config.mjs implements domain-clock.
 */
const RULES = [
  {
    name: 'core-uses-no-feature',
    tool: 'dependency-cruiser',
    forbids: `runtime/core/ importing anything in the repository but runtime/core/ (and the VTID grammar, ${LAYER_PACKAGES.map((f) => `${f}/`).join(', ')})`,
    why: "core is what every feature stands on: if it used a feature (or the heartbeat client, the agents feature's counterpart), that feature would be everyone's",
  },
  ...PLATFORM_LAYERS.map((layer) => ({
    name: layer.rule,
    tool: 'dependency-cruiser',
    forbids: `${layer.folder}/ importing anything in the repository but ${[layer.folder, ...layer.mayUse].map((f) => `${f}/`).join(', ')} (and the VTID grammar, ${LAYER_PACKAGES.map((f) => `${f}/`).join(', ')})`,
    why: layer.why,
  })),
  {
    name: 'no-feature-internals',
    tool: 'dependency-cruiser',
    forbids: 'a feature folder importing another feature folder except through a seam listed below',
    why: 'features change independently; where one needs another, the seam is named and its reason said',
  },
  {
    name: 'service-only-for-processes',
    tool: 'dependency-cruiser',
    forbids: `a feature other than ${PROCESS_FEATURES.join(', ')} importing runtime/service/`,
    why: 'runtime/service/ is how a process configures itself and serves; features mounted in the gateway are not processes',
  },
  {
    name: 'nothing-imports-the-composition-root',
    tool: 'dependency-cruiser',
    forbids: `any runtime/ module outside ${COMPOSITION_ROOT}/ importing ${COMPOSITION_ROOT}/`,
    why: 'the gateway wires everything together; a module that needs a setting declares the shape it reads',
  },
  {
    name: 'domain-is-pure',
    tool: 'dependency-cruiser',
    forbids:
      `a domain module importing ${Object.entries(DOMAIN_FORBIDDEN_IMPORTS).map(([concern, kinds]) => `${concern} (${describeImports(kinds)})`).join(', ')}; ` +
      'or a value (not type-only) import of a runtime module that is not a domain module',
    why:
      'pure logic is tested with plain values and cannot stall or fail on I/O; the http, database and clock imports are refused even type-only ' +
      '(a domain module does not name hono\'s types), while a type-only import of any other runtime module is allowed: the compiler erases it, ' +
      "so nothing is loaded (that is how a domain module names a repository's row type or core's Database interface)",
  },
  {
    name: 'domain-clock',
    tool: 'eslint',
    forbids: `in a domain module: Date.now(), new Date() without arguments, Date() called as a function, process.hrtime/uptime, and the globals ${DOMAIN_FORBIDDEN_GLOBALS.join(', ')}`,
    why: 'the clock is a global no import rule sees; a domain module that needs the time takes it as a parameter',
  },
  {
    name: 'runtime-never-imports-infra',
    tool: 'dependency-cruiser',
    forbids: 'runtime/ importing infra/, index.ts, test/, scripts/ or bench/',
    why: 'the deployed service must not carry the Pulumi program, tests or tools',
  },
  {
    name: 'heartbeat-imports-nothing-from-gateway',
    tool: 'dependency-cruiser',
    forbids: `heartbeat code (${HEARTBEAT_FOLDERS.map((f) => `${f}/`).join(', ')}) importing anything but itself and the VTID grammar (${VTID_GRAMMAR.join(', ')}); node built-ins are fine`,
    why: 'other repositories install the heartbeat as a library: it must not drag the gateway along',
  },
  {
    name: 'packages-stand-alone',
    tool: 'dependency-cruiser',
    forbids: `${PACKAGES}/ importing anything in the repository outside ${PACKAGES}/`,
    why: 'a workspace package is installed on its own: what it imports must be packed with it',
  },
  {
    name: 'packages-by-name-only',
    tool: 'dependency-cruiser',
    forbids: `a module outside a package of ${PACKAGES}/ importing a file of that package other than by the package's name (@vitana/…, which resolves through tsconfig \`paths\` to what the package's \`exports\` publish)`,
    why: 'a relative path reaches past the exports into a package\'s internals, and breaks where the package is installed from its tarball',
  },
  {
    name: 'no-circular',
    tool: 'dependency-cruiser',
    forbids: 'import cycles of values (a cycle through a type-only import is erased by the compiler, so it is allowed)',
    why: 'a cycle makes the load order decide which module sees the other half-initialised',
  },
  {
    name: 'no-unresolvable-import',
    tool: 'dependency-cruiser',
    forbids: 'an import the checker cannot resolve to a file or package',
    why: 'an unresolved import would be invisible to every other rule',
  },
];

module.exports = {
  CORE,
  PLATFORM_LAYERS,
  FEATURES,
  PROCESS_FEATURES,
  COMPOSITION_ROOT,
  HEARTBEAT_FOLDERS,
  VTID_GRAMMAR,
  PACKAGES,
  LAYER_PACKAGES,
  SEAMS,
  DOMAIN_MODULES,
  DOMAIN_FORBIDDEN_IMPORTS,
  DOMAIN_FORBIDDEN_GLOBALS,
  RULES,
};
