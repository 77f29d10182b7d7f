import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const COMMON = resolve(__dirname, '../../../lib/host-scripts/common.sh');

/** help_mentions from common.sh (its definition alone), under the host programs' pipefail, on `command`'s output. */
function helpMentions(text: string, command: string): number | null {
  const script = `set -euo pipefail\neval "$(sed -n '/^help_mentions() {/,/^}/p' '${COMMON}')"\nhelp_mentions '${text}' bash -c '${command}'`;
  return spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' }).status;
}

describe('help_mentions: whether a tool says it has an option', () => {
  it('finds the text early in a long help, where `| grep -q` under pipefail fails with SIGPIPE', () => {
    // A help that goes on writing after the line grep -q stops at: the pipe then dies of SIGPIPE.
    const longHelp = 'echo "  --source-data[=#]  Write the position"; head -c 4000000 /dev/zero | tr "\\\\0" x';
    const piped = spawnSync('bash', ['--norc', '-c', `set -o pipefail; bash -c '${longHelp}' | grep -q -- --source-data`]);

    expect(piped.status).not.toBe(0);
    expect(helpMentions('--source-data', longHelp)).toBe(0);
  });

  it('says no for a help without the text, and for a tool that fails', () => {
    expect(helpMentions('--bump-revision', 'echo "  --data-dir string"')).toBe(1);
    expect(helpMentions('--config', 'echo "--config"; exit 3')).toBe(0);
    expect(helpMentions('--config', 'exit 3')).toBe(1);
  });
});
