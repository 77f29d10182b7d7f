// Host scripts run as common.sh + a program's own files in one document, so each program is
// checked as the document runs it.
import { spawnSync } from 'node:child_process';
import { DRILL_PROGRAMS } from '../lib/drill/drill-programs';
import { BACKUP_PROGRAMS } from '../lib/engines';
import { RESTORE_PROGRAMS } from '../lib/restore/restore-programs';
import { preflightProgram } from '../lib/preflight/preflight-program';
import { hostScript } from '../lib/ssm/command-document';

let failed = false;
for (const program of [...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_PROGRAMS, preflightProgram]) {
  const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: hostScript(program), stdio: ['pipe', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`shellcheck: ${program.id} (${program.scripts.join(', ')})`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log('shellcheck: host scripts clean');
