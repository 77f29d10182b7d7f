import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface FailureTopicProps {
  /** Key that encrypts messages at rest (they name hosts and paths). */
  readonly key: kms.IKey;
  /**
   * Addresses subscribed by e-mail.
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/** The SNS topic every failed or missing backup is reported to. */
export class FailureTopic extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: FailureTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'cronsnap failures', masterKey: props.key, enforceSSL: true });
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
}
