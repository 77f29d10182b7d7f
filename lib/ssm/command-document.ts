import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError } from '../errors';
import { allowedPattern } from './document-parameter';
import type { HostProgram } from './host-program';

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

/** The program's host script: common.sh then its own files, as one bash program. */
export function hostScript(program: HostProgram): string {
  return ['common.sh', ...program.scripts].map((file) => readFileSync(join(HOST_SCRIPTS, file), 'utf8')).join('\n');
}

/**
 * The runCommand lines. The agent runs them with /bin/sh, which is dash on Debian, so the bash
 * program is written to a private temp file and run with bash. Agents older than 3.3.2746 do not
 * export SSM_<name>; for them each value falls back to text interpolation, which the parameters'
 * allowedPattern (no quotes, no `$`) keeps inert inside single quotes.
 */
export function runCommand(program: HostProgram): string[] {
  const script = hostScript(program);
  if (script.includes('CRONSNAP_SCRIPT_END')) throw new Error('host script must not contain its own heredoc delimiter');
  const fallbacks = program.parameters.map(
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

/** The SSM Command document for a program, generated from lib/host-scripts (one source of truth). */
export function buildCommandDocument(program: HostProgram): CommandDocument {
  const parameters = Object.fromEntries(
    program.parameters.map((parameter) => [
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
    description: program.description,
    parameters,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: `cronsnap-${program.id}`,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: runCommand(program), timeoutSeconds: '{{ executionTimeout }}' },
      },
    ],
  };
}

/**
 * SSM refuses a command whose document, together with the parameter values given at run time,
 * exceeds 64 KB (CreateDocument and SendCommand limits).
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

const documentBytes = new Map<string, number>();

/** The bytes a command of `program` with these values takes against SSM's document limit. */
export function commandBytes(program: HostProgram, values: Readonly<Record<string, string>>): number {
  let base = documentBytes.get(program.id);
  if (base === undefined) {
    base = Buffer.byteLength(JSON.stringify(buildCommandDocument(program)));
    documentBytes.set(program.id, base);
  }
  return Object.values(values).reduce((total, value) => total + Buffer.byteLength(value), base);
}

/** Refuses, naming the parameter, any value SSM would refuse: checked before anything is sent. */
export function assertParametersAllowed(program: HostProgram, values: Readonly<Record<string, string>>): void {
  for (const parameter of program.parameters) {
    const value = values[parameter.name] ?? '';
    if (!new RegExp(allowedPattern(parameter)).test(value)) {
      throw new InvalidEventError(`document parameter ${parameter.name}: '${value}' does not match ${allowedPattern(parameter)}`);
    }
  }
  const unknown = Object.keys(values).filter((name) => !program.parameters.some((p) => p.name === name));
  if (unknown.length > 0) throw new InvalidEventError(`unknown document parameters: ${unknown.join(', ')}`);
  const bytes = commandBytes(program, values);
  if (bytes > MAX_DOCUMENT_BYTES) {
    const largest = Object.entries(values).sort(([, a], [, b]) => b.length - a.length)[0];
    throw new InvalidEventError(
      `document ${program.id} with its parameter values is ${bytes} bytes, over SSM's limit of ${MAX_DOCUMENT_BYTES}` +
        (largest ? ` (the largest value, ${largest[0]}, is ${Buffer.byteLength(largest[1])} bytes)` : ''),
    );
  }
}
