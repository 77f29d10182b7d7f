import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { DeployerPolicyError } from '../errors';
import { formatIssues } from '../validation-issues';

/** A resource of a template, as far as the deployer policy reads it. */
const resourceSchema = z.object({ Type: z.string().min(1), Properties: z.record(z.string(), z.unknown()).optional() });

/** A CloudFormation template as `cdk synth` writes it. */
export const templateSchema = z.object({
  Resources: z.record(z.string(), resourceSchema),
  Parameters: z.record(z.string(), z.object({ Type: z.string(), Default: z.unknown().optional() })).optional(),
});

export type CfnTemplate = z.infer<typeof templateSchema>;
export type CfnResource = z.infer<typeof resourceSchema>;

/** One template CloudFormation receives for a stack: the stack's own, or one of its nested stacks'. */
export interface StackTemplate {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly nested: boolean;
  readonly template: CfnTemplate;
}

/** A stack of the cloud assembly with every template deployed for it. */
export interface SynthesizedStack {
  readonly stackName: string;
  /** Undefined for an environment-agnostic stack, deployable to any account or region. */
  readonly account?: string;
  readonly region?: string;
  /** The bootstrap qualifier its deploy role was synthesized with. */
  readonly qualifier?: string;
  /** The stack's own template first, then its nested stacks'. */
  readonly templates: readonly StackTemplate[];
}

const manifestSchema = z.object({
  artifacts: z.record(
    z.string(),
    z.object({
      type: z.string(),
      environment: z.string().optional(),
      properties: z.object({ templateFile: z.string().optional(), stackName: z.string().optional(), assumeRoleArn: z.string().optional(), file: z.string().optional() }).optional(),
      dependencies: z.array(z.string()).optional(),
    }),
  ),
});

const assetManifestSchema = z.object({ files: z.record(z.string(), z.object({ source: z.object({ path: z.string().optional() }) })).optional() });

const NOT_SYNTHESIZED = 'run `npx cdk synth -c cronsnap:config=<file>` first';

function readJson<T extends z.ZodType>(path: string, schema: T, what: string): z.infer<T> {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new DeployerPolicyError(`cannot read ${what} ${path}: ${(cause as Error).message}; ${NOT_SYNTHESIZED}`, { cause });
  }
  const result = schema.safeParse(document);
  if (!result.success) throw new DeployerPolicyError(`${path} is not ${what}:\n${formatIssues(result.error)}`, { cause: result.error });
  return result.data;
}

/** `aws://<account>/<region>` with CDK's placeholders for an environment-agnostic stack. */
function environmentOf(environment: string | undefined): { account?: string; region?: string } {
  const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '') ?? [];
  return {
    ...(account && account !== 'unknown-account' ? { account } : {}),
    ...(region && region !== 'unknown-region' ? { region } : {}),
  };
}

/**
 * The stacks a `cdk synth` wrote into `dir` (its cloud assembly, `cdk.out` by default), each with
 * its own template and its nested stacks' (listed in the stack's asset manifest).
 */
export function readSynthesizedStacks(dir = 'cdk.out'): SynthesizedStack[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new DeployerPolicyError(`no synthesized templates in ${dir}: ${NOT_SYNTHESIZED}`);
  const { artifacts } = readJson(manifestFile, manifestSchema, 'a cloud assembly manifest');
  const stacks = Object.entries(artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]): SynthesizedStack => {
      const templateFile = artifact.properties?.templateFile ?? `${id}.template.json`;
      const nestedFiles = (artifact.dependencies ?? [])
        .map((dependency) => artifacts[dependency])
        .filter((dependency) => dependency?.type === 'cdk:asset-manifest' && dependency.properties?.file !== undefined)
        .flatMap((dependency) => Object.values(readJson(join(dir, dependency?.properties?.file ?? ''), assetManifestSchema, 'an asset manifest').files ?? {}))
        .map((asset) => asset.source.path)
        .filter((path): path is string => path !== undefined && path.endsWith('.nested.template.json'));
      const qualifier = /:role\/cdk-([A-Za-z0-9_-]+)-deploy-role-/.exec(artifact.properties?.assumeRoleArn ?? '')?.[1];
      return {
        stackName: artifact.properties?.stackName ?? id,
        ...environmentOf(artifact.environment),
        ...(qualifier ? { qualifier } : {}),
        templates: [templateFile, ...nestedFiles].map((file, index) => ({ file, nested: index > 0, template: readJson(join(dir, file), templateSchema, 'a CloudFormation template') })),
      };
    });
  if (stacks.length === 0) throw new DeployerPolicyError(`the cloud assembly in ${dir} holds no stack: ${NOT_SYNTHESIZED}`);
  return stacks;
}
