import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { CFN_LINT_ACKNOWLEDGED } from '../../infra/cfn-lint-acknowledgements';

interface Finding {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** cfn-lint's findings on every template of the app, its nested stacks' too, less the acknowledged warnings: one line each. */
export function cfnLintFindings(app: App): string[] {
  const assembly = app.synth();
  const nested = readdirSync(assembly.directory).filter((file) => file.endsWith('.nested.template.json'));
  const templates = [...assembly.stacks.map((stack) => stack.templateFullPath), ...nested.map((file) => join(assembly.directory, file))];
  let output: string;
  try {
    output = execFileSync('cfn-lint', ['--format', 'json', ...templates], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // cfn-lint exits non-zero whenever it finds anything; its JSON is still on stdout.
    output = (error as { stdout?: string }).stdout ?? '';
    if (!output) throw error;
  }
  return (JSON.parse(output) as Finding[])
    .filter((finding) => {
      const resource = String(finding.Location.Path[1] ?? '');
      return !(finding.Level === 'Warning' && CFN_LINT_ACKNOWLEDGED.some((ack) => ack.rule === finding.Rule.Id && ack.resource.test(resource)));
    })
    .map((finding) => `${finding.Level} ${finding.Rule.Id} at ${finding.Location.Path.join('/')}: ${finding.Message}`);
}
