// Host scripts run as common.sh + a program's own files in one document, so each program is
// checked as the document runs it.
import { spawnSync } from 'node:child_process';
import { DRILL_PROGRAMS } from '../lib/drill/drill-programs';
import { BACKUP_PROGRAMS } from '../lib/engines';
import { RESTORE_PROGRAMS } from '../lib/restore/restore-programs';
import { preflightProgram } from '../lib/preflight/preflight-program';
import { hostScript } from '../lib/ssm/command-document';

/** Functions an assembled program defines more than once: the later silently replaces the earlier, which shellcheck does not report. */
function definedTwice(script: string): string[] {
  const names = [...script.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\) \{/gm)].map((match) => match[1] ?? '');
  return [...new Set(names.filter((name, at) => names.indexOf(name) !== at))];
}

let failed = false;
for (const program of [...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_PROGRAMS, preflightProgram]) {
  const script = hostScript(program);
  const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script, stdio: ['pipe', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`shellcheck: ${program.id} (${program.scripts.join(', ')})`);
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
