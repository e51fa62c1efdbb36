/**
 * Says why tests are skipped when they are: without TEST_DATABASE_URL every PostgreSQL-only test is
 * skipped (the suite still runs everything on the embedded PGlite), and a bare "56 skipped" gave no hint.
 */
const HINT =
  'TEST_DATABASE_URL is not set: the tests that need a real PostgreSQL server are skipped (the rest run on the embedded PGlite).\n' +
  '  To run them too: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test   (any server you may create databases on)\n';

export default function setup(): () => void {
  const hint = () => {
    if (!process.env.TEST_DATABASE_URL) process.stderr.write(`\n${HINT}\n`);
  };
  hint();
  // Again after the run, where the "skipped" count is read.
  return hint;
}
