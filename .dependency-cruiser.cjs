// @ts-check
/**
 * The import rules of runtime/, built from the one layering definition (layering.cjs). Run by
 * `npm run lint:layers` and by test/architecture/layering.test.ts (so `npm test` fails with the
 * rule's name). The rules, their reasons and the seams are listed in docs/ARCHITECTURE.md.
 */
const layering = require('./layering.cjs');

/** @param {string} text */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Anchored path patterns: everything below a folder (given without a trailing slash), or one file. */
const under = (/** @type {string} */ folder) => `^${escape(folder)}/`;
const exactly = (/** @type {string} */ file) => `^${escape(file)}$`;
/** A folder or a file: files end in an extension. */
const place = (/** @type {string} */ path) => (/\.[a-z]+$/.test(path) ? exactly(path) : under(path));

/** npm packages and node built-ins are outside the repository's layering (domain-is-pure and the heartbeat rule judge them). */
const OUTSIDE_THE_REPOSITORY = '(^|/)node_modules/';

/** The depcruise fields of a rule defined in layering.cjs. @param {string} name */
const ruleText = (name) => {
  const rule = layering.RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`layering.cjs has no rule ${name}`);
  return { name, severity: /** @type {const} */ ('error'), comment: `${rule.forbids}: ${rule.why}` };
};

/**
 * "from may import only these places" for a layer: anything else in the repository is a violation;
 * npm packages and node built-ins are not layers, and of the workspace packages only LAYER_PACKAGES
 * may be used (by name: packages-by-name-only).
 * @param {string} name @param {string} folder @param {string[]} mayUse
 */
function onlyUses(name, folder, mayUse) {
  return {
    ...ruleText(name),
    from: { path: under(folder) },
    to: {
      pathNot: [under(folder), ...mayUse.map(under), ...layering.LAYER_PACKAGES.map(place), OUTSIDE_THE_REPOSITORY],
      dependencyTypesNot: /** @type {const} */ (['core']),
      couldNotResolve: false,
    },
  };
}

const featureFolder = (/** @type {string} */ feature) => `runtime/${feature}`;

/** One entry per feature: the other features' folders, less the seams this feature may use. */
const featureInternals = layering.FEATURES.map((feature) => {
  const others = layering.FEATURES.filter((other) => other !== feature);
  const seams = layering.SEAMS.filter((seam) => seam.from === feature).map((seam) => exactly(`runtime/${seam.to}`));
  return {
    ...ruleText('no-feature-internals'),
    from: { path: under(featureFolder(feature)) },
    to: { path: `^runtime/(${others.join('|')})/`, ...(seams.length > 0 ? { pathNot: seams } : {}) },
  };
});

const domainModules = layering.DOMAIN_MODULES.map(exactly);
const forbiddenForDomain = Object.values(layering.DOMAIN_FORBIDDEN_IMPORTS).flatMap(({ packages, builtins, folders }) => [
  ...packages.map((name) => `(^|/)node_modules/${escape(name)}${name.endsWith('/') ? '' : '/'}`),
  ...builtins.map((name) => `^(node:)?${escape(name)}$`),
  ...folders.map(under),
]);

const heartbeatCode = layering.HEARTBEAT_FOLDERS.map(under);

/**
 * How dependency-cruiser marks an import made by a package's name: through tsconfig `paths` (how the
 * repository resolves @vitana/… to the sources), or through the npm workspace link. A relative
 * import of the same file is only `local`.
 */
const BY_PACKAGE_NAME = /** @type {const} */ (['aliased-tsconfig-paths', 'aliased-workspace']);
/** One workspace package's folder, captured so `to` can name "a package other than this one" as $1. */
const ONE_PACKAGE = `^(${escape(layering.PACKAGES)}/[^/]+)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    onlyUses('core-uses-no-feature', layering.CORE, []),
    ...layering.PLATFORM_LAYERS.map((layer) => onlyUses(layer.rule, layer.folder, layer.mayUse)),
    ...featureInternals,
    {
      ...ruleText('service-only-for-processes'),
      from: { path: `^runtime/(${layering.FEATURES.filter((f) => !layering.PROCESS_FEATURES.includes(f)).join('|')})/` },
      to: { path: under('runtime/service') },
    },
    {
      ...ruleText('nothing-imports-the-composition-root'),
      from: { path: '^runtime/', pathNot: under(layering.COMPOSITION_ROOT) },
      to: { path: under(layering.COMPOSITION_ROOT) },
    },
    {
      ...ruleText('domain-is-pure'),
      from: { path: domainModules },
      to: { path: forbiddenForDomain },
    },
    {
      // The second half of domain-is-pure: what a domain module loads at run time is pure too.
      ...ruleText('domain-is-pure'),
      from: { path: domainModules },
      to: { path: '^runtime/', pathNot: domainModules, dependencyTypesNot: ['type-only'] },
    },
    {
      ...ruleText('runtime-never-imports-infra'),
      from: { path: '^runtime/' },
      to: { path: ['^infra/', '^index\\.ts$', '^test/', '^scripts/', '^bench/'] },
    },
    {
      ...ruleText('heartbeat-imports-nothing-from-gateway'),
      from: { path: heartbeatCode },
      to: { pathNot: [...heartbeatCode, ...layering.VTID_GRAMMAR.map(place)], dependencyTypesNot: ['core'] },
    },
    {
      ...ruleText('packages-stand-alone'),
      from: { path: under(layering.PACKAGES) },
      to: { pathNot: [under(layering.PACKAGES), OUTSIDE_THE_REPOSITORY], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      ...ruleText('packages-by-name-only'),
      from: { pathNot: under(layering.PACKAGES) },
      to: { path: under(layering.PACKAGES), dependencyTypesNot: BY_PACKAGE_NAME },
    },
    {
      // The same between packages: each is installed on its own, so one reaches another by its name.
      ...ruleText('packages-by-name-only'),
      from: { path: ONE_PACKAGE },
      to: { path: under(layering.PACKAGES), pathNot: '^$1/', dependencyTypesNot: BY_PACKAGE_NAME },
    },
    // Only cycles that exist at run time: type-only imports are erased by the compiler.
    { ...ruleText('no-circular'), from: {}, to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } } },
    { ...ruleText('no-unresolvable-import'), from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    // Built output (a workspace package's dist/) is judged by its sources.
    doNotFollow: { path: [OUTSIDE_THE_REPOSITORY, '(^|/)dist/'] },
    // Type-only imports count: a domain module must not even name hono's types.
    tsPreCompilationDeps: true,
    // `.js` specifiers resolve to the `.ts` files beside them, as NodeNext resolution does.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
