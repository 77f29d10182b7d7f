// Host scripts run as common.sh + a program's own files in one program, so each program is
// checked as its document's loader runs it (with bash), and the loader as the agent runs it (with sh).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRILL_PROGRAMS } from '../lib/drill/drill-programs';
import { BACKUP_PROGRAMS } from '../lib/engines';
import { RESTORE_PROGRAMS } from '../lib/restore/restore-programs';
import { preflightProgram } from '../lib/preflight/preflight-program';
import { hostScript, runCommand } from '../lib/ssm/command-document';

/** Functions an assembled program defines more than once: the later silently replaces the earlier, which shellcheck does not report. */
function definedTwice(script: string): string[] {
  const names = [...script.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\) \{/gm)].map((match) => match[1] ?? '');
  return [...new Set(names.filter((name, at) => names.indexOf(name) !== at))];
}

const HOST_SCRIPTS = join(__dirname, '..', 'lib', 'host-scripts');
const FUNCTION = /^([A-Za-z_][A-Za-z0-9_]*)\(\) \{/gm;

/** Each host-script function and the file that defines it (a name defined in several files maps to all). */
const definedIn = new Map<string, string[]>();
for (const file of readdirSync(HOST_SCRIPTS).filter((name) => name.endsWith('.sh'))) {
  for (const match of readFileSync(join(HOST_SCRIPTS, file), 'utf8').matchAll(FUNCTION)) {
    const name = match[1] ?? '';
    definedIn.set(name, [...(definedIn.get(name) ?? []), file]);
  }
}

/** Functions of other host-script files that `script` calls without including a file that defines them: a runtime "command not found". */
function calledButMissing(script: string): string[] {
  const defined = new Set([...script.matchAll(FUNCTION)].map((match) => match[1] ?? ''));
  const code = script
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  return [...definedIn.keys()].filter((name) => !defined.has(name) && new RegExp(`(^|[\\s;&|(\`$])${name}(\\s|;|\\)|$)`, 'm').test(code)).map((name) => `${name} (${definedIn.get(name)?.join(', ')})`);
}

let failed = false;
for (const program of [...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_PROGRAMS, preflightProgram]) {
  const script = hostScript(program);
  const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script, stdio: ['pipe', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`shellcheck: ${program.id} (${program.scripts.join(', ')})`);
    failed = true;
  }
  const loader = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: runCommand(program, 'cronsnap-backups').join('\n'), stdio: ['pipe', 'inherit', 'inherit'] });
  if (loader.status !== 0) {
    console.error(`shellcheck: the loader of ${program.id}, as sh runs it`);
    failed = true;
  }
  const missing = calledButMissing(script);
  if (missing.length > 0) {
    console.error(`${program.id} (common.sh, ${program.scripts.join(', ')}) calls ${missing.join(', ')} without including it`);
    failed = true;
  }
  const twice = definedTwice(script);
  if (twice.length > 0) {
    console.error(`${program.id} (common.sh, ${program.scripts.join(', ')}) defines ${twice.join(', ')} more than once`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log('shellcheck: host scripts clean');
