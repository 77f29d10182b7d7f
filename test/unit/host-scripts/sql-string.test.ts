import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COMPAT_DIR } from '../../helpers/host-profiles';

const CLIENT = resolve(__dirname, '../../../lib/host-scripts/mysql-client.sh');
const LEGACY_BASH = join(COMPAT_DIR, 'bash-4.2.45');

/** sql_string of `value` under `shell`, the value passed as an argument so no quoting of ours gets in. */
function sqlString(shell: string, value: string): string {
  const result = spawnSync(shell, ['--norc', '-c', `eval "$(sed -n '/^sql_string() {/,/^}/p' '${CLIENT}')"; sql_string "$1"`, 'sql-string', value], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout;
}

describe('sql_string', () => {
  const shells = ['bash', ...(existsSync(LEGACY_BASH) ? [LEGACY_BASH] : [])];

  it.each(shells)('quotes a name holding quotes, backslashes and & as one SQL literal under %s', (shell) => {
    expect(sqlString(shell, "it's a\\b & 'c'")).toBe("'it''s a\\\\b & ''c'''");
    expect(sqlString(shell, 'plain')).toBe("'plain'");
  });
});
