import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../ports/notifier';

/** `subject` as SNS takes one: printable ASCII on one line, under 100 characters ("Publish", Subject). */
export function snsSubject(subject: string): string {
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 99);
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(subject: string, message: Readonly<Record<string, unknown>>): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: snsSubject(subject), Message: JSON.stringify(message, null, 2) }));
  }
}
