import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { programKey } from '../catalog/object-layout';
import { CRONSNAP_VERSION } from '../cronsnap-version';
import { InvalidEventError } from '../errors';
import { allowedPattern } from '../parameters/document-parameter';
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

/** The version line every program carries, so each manifest names the cronsnap that wrote it. */
function versionLine(): string {
  if (!/^[0-9A-Za-z.+-]+$/.test(CRONSNAP_VERSION)) throw new Error(`package.json version ${CRONSNAP_VERSION} is not a plain version`);
  return `export CRONSNAP_VERSION='${CRONSNAP_VERSION}'`;
}

/** The program's host script: common.sh, the version, then its own files, as one bash program. */
export function hostScript(program: HostProgram): string {
  const read = (file: string) => readFileSync(join(HOST_SCRIPTS, file), 'utf8');
  return [read('common.sh'), versionLine(), ...program.scripts.map(read)].join('\n');
}

/** A host program as the deployment publishes it: one immutable object named by its digest. */
export interface ProgramObject {
  readonly key: string;
  readonly sha256: string;
  readonly body: string;
}

export function programObject(program: HostProgram): ProgramObject {
  const body = hostScript(program);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return { key: programKey(sha256), sha256, body };
}

/** Every distinct program object of `programs` (programs with the same scripts share one). */
export function programObjects(programs: readonly HostProgram[]): ProgramObject[] {
  return [...new Map(programs.map(programObject).map((object) => [object.key, object])).values()];
}

/**
 * The runCommand lines: a loader. The agent runs them with /bin/sh (dash on Debian, bash 4.2 in
 * POSIX mode on RHEL 7), so they are plain POSIX. They fetch the program from `bucket` with the aws
 * CLI the hosts already need (no agent plugin, so no agent version beyond schema 2.2's), refuse it
 * unless its sha256 is the digest written here at synth, and run it with bash. Agents older than
 * 3.3.2746 do not export SSM_<name>; for them each value falls back to text interpolation, which
 * the parameters' allowedPattern (no quotes, no `$`) keeps inert inside single quotes.
 */
export function runCommand(program: HostProgram, bucket: string): string[] {
  const { key, sha256 } = programObject(program);
  const source = `s3://${bucket}/${key}`;
  const fallbacks = program.parameters.map(
    ({ name }) => `if [ -z "\${SSM_${name}+set}" ]; then SSM_${name}='{{ ${name} }}'; export SSM_${name}; fi`,
  );
  const failed = (why: string) => `printf 'cronsnap: FAILED step=load-program: %s\\n' "${why}" >&2; rm -f "$cronsnap_program"; exit 1`;
  return [
    '#!/bin/sh',
    ...fallbacks,
    'if [ -z "${AWS_DEFAULT_REGION:-}" ] && [ -n "${AWS_SSM_REGION_NAME:-}" ]; then AWS_DEFAULT_REGION=$AWS_SSM_REGION_NAME; export AWS_DEFAULT_REGION; fi',
    'cronsnap_program=$(mktemp) || exit 1',
    `if ! command -v aws >/dev/null 2>&1; then ${failed("no aws CLI on the agent's PATH ($PATH): cronsnap fetches its host programs with it")}; fi`,
    `if ! command -v sha256sum >/dev/null 2>&1; then ${failed("no sha256sum (coreutils) on the agent's PATH ($PATH): cronsnap checks its host programs with it")}; fi`,
    `set -- s3api get-object --bucket '${bucket}' --key '${key}' "$cronsnap_program"`,
    // Debian's aws CLI 2.9 (and v1 before 1.29) ignores AWS_ENDPOINT_URL; the local mode names its endpoint so.
    'if [ -n "${CRONSNAP_AWS_ENDPOINT_URL:-}" ]; then set -- --endpoint-url "$CRONSNAP_AWS_ENDPOINT_URL" "$@"; fi',
    `if ! cronsnap_error=$(aws "$@" 2>&1 >/dev/null); then ${failed(`cannot read ${source}: $(printf '%s' "$cronsnap_error" | tail -n 1)`)}; fi`,
    'cronsnap_digest=$(sha256sum "$cronsnap_program" | cut -d " " -f 1)',
    `if [ "$cronsnap_digest" != '${sha256}' ]; then ${failed(`${source} has sha256 $cronsnap_digest, not the ${sha256} this document was made for`)}; fi`,
    'bash "$cronsnap_program"; cronsnap_rc=$?; rm -f "$cronsnap_program"; exit $cronsnap_rc',
  ];
}

/** The name of a program's one step: SSM names the step's output streams in CloudWatch Logs after it. */
export function documentStepName(programId: string): string {
  return `cronsnap-${programId}`;
}

/** The SSM Command document for a program, generated from lib/host-scripts (one source of truth). */
export function buildCommandDocument(program: HostProgram, bucket: string): CommandDocument {
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
        name: documentStepName(program.id),
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: runCommand(program, bucket), timeoutSeconds: '{{ executionTimeout }}' },
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

/** S3 bucket names are at most 63 characters: the document's size whatever bucket it loads from. */
const LONGEST_BUCKET = 'b'.repeat(63);

/** The bytes a command of `program` with these values takes against SSM's document limit, at the longest bucket name. */
export function commandBytes(program: HostProgram, values: Readonly<Record<string, string>>): number {
  let base = documentBytes.get(program.id);
  if (base === undefined) {
    base = Buffer.byteLength(JSON.stringify(buildCommandDocument(program, LONGEST_BUCKET)));
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
