import { Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';

const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

export interface CronsnapFunctionProps {
  /** Folder under functions/ holding `handler.ts`. */
  readonly name: string;
  /** Environment on top of the Powertools settings: functionEnvironment's, with the metrics namespace. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where failed asynchronous invocations go after Lambda's own retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Files copied next to the bundled handler (e.g. the validated config).
   * @default - none
   */
  readonly extraFiles?: readonly { readonly source: string; readonly target: string }[];
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * Run with this role instead of one of its own: for a function that is another's operation
   * (keep-backup acts as the restore role).
   * @default - a role of its own with AWSLambdaBasicExecutionRole
   */
  readonly role?: iam.IRole;
}

/** A cronsnap Lambda: nodejs22.x on arm64, bundled by esbuild from functions/<name>/handler.ts. */
export class CronsnapFunction extends Construct {
  public readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: CronsnapFunctionProps) {
    super(scope, id);
    const extraFiles = props.extraFiles ?? [];
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(FUNCTIONS_DIR, props.name, 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      ...(props.role ? { role: props.role } : {}),
      timeout: props.timeout ?? Duration.minutes(1),
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS }),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.name,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => extraFiles.map(({ source, target }) => `cp "${source}" "${outputDir}/${target}"`),
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The runtime is pinned to nodejs22.x on purpose (the project pin); upgrades are deliberate.',
    });
  }
}
