import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError } from '../errors';
import type { BackupEngine } from '../engines/backup-engine';
import { allowedPattern, COMMON_PARAMETERS, type DocumentParameter } from './document-parameter';

const HOST_SCRIPTS = join(__dirname, '..', 'host-scripts');

export interface CommandDocument {
  readonly schemaVersion: '2.2';
  readonly description: string;
  readonly parameters: Record<string, { type: 'String'; description: string; allowedPattern: string; interpolationType: 'ENV_VAR'; default?: string }>;
  readonly mainSteps: readonly {
    action: 'aws:runShellScript';
    name: string;
    precondition: { StringEquals: [string, string] };
    inputs: { runCommand: string[]; timeoutSeconds: string };
  }[];
}

export function documentParameters(engine: BackupEngine): readonly DocumentParameter[] {
  return [...COMMON_PARAMETERS, ...engine.parameters];
}

/** The engine's host script: common.sh then the engine file, as one bash program. */
export function hostScript(engine: BackupEngine): string {
  const read = (file: string) => readFileSync(join(HOST_SCRIPTS, file), 'utf8');
  return `${read('common.sh')}\n${read(engine.script)}`;
}

/**
 * The runCommand lines. The agent runs them with /bin/sh, which is dash on Debian, so the bash
 * program is written to a private temp file and run with bash. Agents older than 3.3.2746 do not
 * export SSM_<name>; for them each value falls back to text interpolation, which the parameters'
 * allowedPattern (no quotes, no `$`) keeps inert inside single quotes.
 */
export function runCommand(engine: BackupEngine): string[] {
  const script = hostScript(engine);
  if (script.includes('CRONSNAP_SCRIPT_END')) throw new Error('host script must not contain its own heredoc delimiter');
  const fallbacks = documentParameters(engine).map(
    ({ name }) => `if [ -z "\${SSM_${name}+set}" ]; then SSM_${name}='{{ ${name} }}'; export SSM_${name}; fi`,
  );
  return [
    '#!/bin/sh',
    ...fallbacks,
    'cronsnap_script=$(mktemp)',
    "cat > \"$cronsnap_script\" <<'CRONSNAP_SCRIPT_END'",
    ...script.split('\n'),
    'CRONSNAP_SCRIPT_END',
    'bash "$cronsnap_script"; cronsnap_rc=$?; rm -f "$cronsnap_script"; exit $cronsnap_rc',
  ];
}

/** The SSM Command document for an engine, generated from lib/host-scripts (one source of truth). */
export function buildCommandDocument(engine: BackupEngine): CommandDocument {
  const parameters = Object.fromEntries(
    documentParameters(engine).map((parameter) => [
      parameter.name,
      {
        type: 'String' as const,
        description: parameter.description,
        allowedPattern: allowedPattern(parameter),
        interpolationType: 'ENV_VAR' as const,
        ...(parameter.optional ? { default: '' } : {}),
      },
    ]),
  );
  return {
    schemaVersion: '2.2',
    description: engine.description,
    parameters,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: `cronsnap${engine.engine[0]?.toUpperCase()}${engine.engine.slice(1)}Backup`,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: runCommand(engine), timeoutSeconds: '{{ executionTimeout }}' },
      },
    ],
  };
}

/** Refuses, naming the parameter, any value SSM would refuse: checked before anything is sent. */
export function assertParametersAllowed(engine: BackupEngine, values: Readonly<Record<string, string>>): void {
  for (const parameter of documentParameters(engine)) {
    const value = values[parameter.name] ?? '';
    if (!new RegExp(allowedPattern(parameter)).test(value)) {
      throw new InvalidEventError(`document parameter ${parameter.name}: '${value}' does not match ${allowedPattern(parameter)}`);
    }
  }
  const unknown = Object.keys(values).filter((name) => !documentParameters(engine).some((p) => p.name === name));
  if (unknown.length > 0) throw new InvalidEventError(`unknown document parameters: ${unknown.join(', ')}`);
}
