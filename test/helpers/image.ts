import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIgnored, parseDockerignore } from '../infra/build-context.js';
import { tempDir } from './temp.js';

/**
 * runtime/Dockerfile done without a Docker engine: each stage's instructions read as the builder reads
 * them (continuations joined, comments dropped) and carried out in a folder that stands for /app.
 * COPY takes from the build context (the repository narrowed by .dockerignore) or, with --from, from
 * an earlier stage's folder; RUN runs in that folder with this machine's node and npm; ENV, CMD and
 * HEALTHCHECK are what a test runs the image with. So a file the image forgets, a dependency its
 * production install leaves out or a command that does not start fails here as it would in the image.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Instruction {
  op: string;
  args: string;
}

export interface DockerStage {
  image: string;
  name: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): DockerStage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      stages.push({ image: image!, name: name ?? String(stages.length), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op!.toUpperCase(), args: args! });
    }
  }
  return stages;
}

export function readDockerfile(): DockerStage[] {
  return parseDockerfile(readFileSync(join(ROOT, 'runtime/Dockerfile'), 'utf8'));
}

/** The stage's ENV lines (`K=V K2="V 2"`), as its processes see them. */
export function stageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.op === 'ENV')) {
    for (const [, key, quoted, bare] of args.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) env[key!] = quoted ?? bare ?? '';
  }
  return env;
}

/** The exec form (`["node", "dist/gateway.js"]`) of the stage's last CMD or of its HEALTHCHECK's command. */
export function execForm(stage: DockerStage, op: 'CMD' | 'HEALTHCHECK'): string[] {
  const last = stage.instructions.filter((i) => i.op === op).at(-1);
  if (!last) throw new Error(`stage ${stage.name} has no ${op}`);
  const json = /(?:^|\s)CMD\s+(\[.*\])\s*$/.exec(`${op === 'CMD' ? 'CMD ' : ''}${last.args}`)?.[1];
  if (!json) throw new Error(`${op} of stage ${stage.name} is not in exec form: ${last.args}`);
  return JSON.parse(json) as string[];
}

/** The stage's USER, or root. */
export function stageUser(stage: DockerStage): string {
  return stage.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? 'root';
}

export interface LaidOutStage {
  stage: DockerStage;
  /** The folder standing for the stage's WORKDIR (/app). */
  dir: string;
  /** What the stage's RUN lines printed. */
  output: string;
}

export interface LayOutOptions {
  /** Earlier stages by name, for COPY --from. */
  from?: Record<string, LaidOutStage>;
  /**
   * `link`: a RUN that installs the full dependencies (`npm ci` without --omit) links the
   * repository's node_modules instead, the same lockfile the suite was installed from (a full install
   * would take minutes and download the pinned Node again). `run`: every RUN runs as written.
   */
  fullInstall: 'link' | 'run';
}

/**
 * One RUN line as this machine runs it: npm works offline from the cache the suite's own install
 * filled, and `npm cache clean` (there only to keep the image small) is left out, as it would
 * empty this machine's cache.
 */
function runLine(command: string, dir: string, options: LayOutOptions): string {
  let output = '';
  for (const part of command.split('&&').map((p) => p.trim())) {
    if (/^npm cache clean\b/.test(part)) continue;
    if (/^npm ci\b/.test(part) && !part.includes('--omit=dev') && options.fullInstall === 'link') {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      continue;
    }
    output += execFileSync('sh', ['-c', part], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    });
  }
  return output;
}

/** Carries out stage `name` of runtime/Dockerfile in a fresh temporary folder. */
export function layOutStage(name: string, options: LayOutOptions): LaidOutStage {
  const stage = readDockerfile().find((s) => s.name === name);
  if (!stage) throw new Error(`runtime/Dockerfile has no stage ${name}`);
  const dir = tempDir(`oasis-${name}-`);
  // mkdtemp makes it private; the image's files are readable by its unprivileged user.
  chmodSync(dir, 0o755);
  const ignore = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const inContext = (file: string) => !isIgnored(ignore, relative(ROOT, file));
  let output = '';
  for (const { op, args } of stage.instructions) {
    if (op === 'COPY') {
      const fromStage = /^--from=(\S+)\s+/.exec(args)?.[1];
      const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/);
      const dest = parts.pop()!;
      for (const source of parts) {
        const base = fromStage ? options.from?.[fromStage]?.dir : ROOT;
        if (!base) throw new Error(`COPY --from=${fromStage}: that stage was not laid out`);
        const src = fromStage ? join(base, source.replace(/^\/app\//, '')) : join(ROOT, source);
        const to = dest.endsWith('/') ? join(dir, dest, source.split('/').pop()!) : join(dir, dest);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(src, to, { recursive: true, filter: fromStage ? undefined : inContext });
      }
    } else if (op === 'RUN') {
      output += runLine(args, dir, options);
    }
  }
  return { stage, dir, output };
}
