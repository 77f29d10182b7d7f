import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The namespace of a function given none: the default deployment's (lib/deployment/deployment-names.ts). */
export const METRICS_NAMESPACE = 'cronsnap';

/**
 * Logger and metrics for one function, named after it. The metrics go to the namespace of the
 * function's deployment, which the stack sets as POWERTOOLS_METRICS_NAMESPACE, so two deployments
 * with a job of one name never feed each other's alarms.
 */
export function powertoolsFor(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE, serviceName }),
  };
}
