import type { Node } from 'constructs';
import { parseStackName, STACK_NAME_CONTEXT } from '../lib/deployment/stack-name';
import { ConfigError } from '../lib/errors';

/** The CDK context key of the config file: `npx cdk deploy -c cronsnap:config=cronsnap.yaml`. */
export const CONFIG_CONTEXT = 'cronsnap:config';

/** What a deployment is told on the command line (`-c key=value`). */
export interface AppContext {
  /** The config file to deploy. */
  readonly configPath: string;
  /** The deployment's stack name. */
  readonly stackName: string;
}

/**
 * The deployment's context: its config file, which has no default (a forgotten `-c` must not
 * deploy the example's jobs), and its stack name, `Cronsnap` unless given. Refused with one line
 * that names the key and says how to give it.
 */
export function readAppContext(node: Node): AppContext {
  const configPath: unknown = node.tryGetContext(CONFIG_CONTEXT);
  if (typeof configPath !== 'string' || configPath === '') {
    throw new ConfigError(`${CONFIG_CONTEXT}: no config file given; deploy one with \`npx cdk deploy -c ${CONFIG_CONTEXT}=<file>\` (\`cronsnap init\` writes a starter config)`);
  }
  return { configPath, stackName: parseStackName(node.tryGetContext(STACK_NAME_CONTEXT)) };
}
