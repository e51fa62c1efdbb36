// @ts-check
/**
 * ESLint checks one thing here: the domain modules never read the clock (rule domain-clock in
 * docs/ARCHITECTURE.md). The clock is a global (Date.now(), new Date(), setTimeout, performance),
 * which the import rules of .dependency-cruiser.cjs cannot see. The file list is layering.cjs's
 * DOMAIN_MODULES, the same list the import rules use, so the two checks cannot drift apart.
 */
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import layering from './layering.cjs';

/** Every message names the rule, as dependency-cruiser's do. */
const RULE = 'domain-clock';
const advice = 'take the time as a parameter';

export default defineConfig(
  // Nothing else is linted: the type checker and the tests judge the rest.
  { ignores: ['**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: layering.DOMAIN_MODULES,
    languageOptions: { parser: tseslint.parser },
    // An eslint-disable comment cannot switch the rule off in a domain module.
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
    rules: {
      'no-restricted-globals': [
        'error',
        ...layering.DOMAIN_FORBIDDEN_GLOBALS.map((name) => ({ name, message: `${RULE}: a domain module does not use ${name}; ${advice}.` })),
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: `${RULE}: Date.now() reads the clock; ${advice}.` },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `${RULE}: new Date() reads the clock; ${advice}.` },
        { selector: "CallExpression[callee.name='Date']", message: `${RULE}: Date() reads the clock; ${advice}.` },
        { selector: "MemberExpression[object.name='process'][property.name=/^(hrtime|uptime)$/]", message: `${RULE}: process.hrtime/uptime read the clock; ${advice}.` },
        {
          selector: `MemberExpression[object.name='globalThis'][property.name=/^(${['Date', ...layering.DOMAIN_FORBIDDEN_GLOBALS].join('|')})$/]`,
          message: `${RULE}: globalThis reaches the clock; ${advice}.`,
        },
      ],
    },
  },
);
