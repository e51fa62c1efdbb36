/**
 * `npm run demo`: plays a PR -> CI -> deploy story into a running gateway, every step signed and sent
 * as GitHub, Cloud Logging (through the real deploy watcher) and agent services would, so the Live
 * Console fills as it runs. See USAGE (options.ts) and the README's "Demo" section.
 *
 * Exit 0: every step accepted; 1: the gateway refused a step or stopped answering; 2: bad usage, or
 * the story cannot start (no gateway at the address, no secrets to sign with).
 */
import { ConfigError, loadConfig } from '../../runtime/gateway/config.js';
import { serviceRoleToken } from '../../runtime/gateway/local-welcome.js';
import { findSecrets } from '../../runtime/gateway/local-secrets.js';
import { demoAgent } from './demo-agent.js';
import { unreachable } from './gateway-api.js';
import { startLocalDeployPipeline } from './local-deploy-pipeline.js';
import { Narrator, StoryRefused } from './narrator.js';
import { DemoUsageError, parseDemoOptions, USAGE } from './options.js';
import { playStory } from './story.js';

/** The story's writes: long enough for its slowest pace (24 steps at --pace-ms 60000); the console link printed for a person stays valid for a day. */
const WRITER_TTL_SECONDS = 3600;
const CONSOLE_TTL_SECONDS = 24 * 3600;

const out = (line = '') => process.stdout.write(line + '\n');
const fail = (line: string) => process.stderr.write(`npm run demo: ${line}\n`);

async function main(): Promise<number> {
  let options;
  try {
    options = parseDemoOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    fail(error.message);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    out(USAGE);
    return 0;
  }
  const { gateway, paceMs } = options;

  let found;
  try {
    found = findSecrets(loadConfig(process.env));
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : (error as Error).message);
    return 2;
  }
  const reason = await unreachable(gateway);
  if (reason) {
    fail(`no gateway answers at ${gateway} (${reason}): start one with npm start, or pass --gateway URL`);
    return 2;
  }

  const now = new Date();
  const { token } = await serviceRoleToken(found.secrets.jwt, 'demo', WRITER_TTL_SECONDS, now);
  const viewer = await serviceRoleToken(found.secrets.jwt, 'demo-console', CONSOLE_TTL_SECONDS, now);
  const consoleLink = (query: string) => `${gateway}/?${query}access_token=${viewer.token}`;
  const secretsFrom = found.local ? `${found.local.names.join(' and ')} from ${found.local.file}` : 'secrets from the environment';
  out(`Playing a story into ${gateway} (${secretsFrom}; ${paceMs > 0 ? `a step every ${paceMs} ms` : 'no pauses'}).`);
  out(`Watch it fill the Live Console: ${consoleLink('')}`);
  out();

  const deploys = await startLocalDeployPipeline({ gateway, token });
  const builder = demoAgent({ name: 'demo-builder-1', gateway, token });
  const deployer = demoAgent({ name: 'demo-deployer-1', gateway, token });
  const narrator = new Narrator(paceMs, out);
  const cleanUp = async () => {
    // Agents say goodbye (a stopped agent is never reported offline), then the watcher and Cloud Logging go.
    await Promise.all([builder.stop(), deployer.stop()]);
    await deploys.close();
  };
  process.once('SIGINT', () => {
    out('\nInterrupted: stopping the agents and the watcher.');
    void cleanUp().finally(() => process.exit(130));
  });

  let vtid: string;
  try {
    vtid = await playStory({ gateway, token, webhookSecret: found.secrets.githubWebhook, narrator, deploys, builder, deployer });
  } catch (error) {
    if (!(error instanceof StoryRefused)) throw error;
    const { answer } = error;
    out();
    fail(`stopped at step ${error.step}: the gateway did not accept it (${answer.status} ${answer.detail})`);
    if (answer.hint) fail(answer.hint);
    return 1;
  } finally {
    await cleanUp();
  }
  out();
  out(`Done: ${narrator.steps} steps, every one accepted. The story's task is ${vtid}.`);
  out(`  Live Console, this task only: ${consoleLink(`vtid=${vtid}&`)}`);
  out(`  Its events: curl -s "${gateway}/api/v1/oasis/events?vtid=${vtid}" -H "Authorization: Bearer $TOKEN"`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
