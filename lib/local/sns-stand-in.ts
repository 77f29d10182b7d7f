import type { MemoryNotifier } from '../adapters/memory-notifier';
import { ServiceError, type StandInService } from './stand-in-handler';

/** A Subject SNS takes: printable ASCII, no line breaks or control characters, under 100 characters. */
const SUBJECT = /^[\x20-\x7e]{1,99}$/;
const MESSAGE_LIMIT_BYTES = 262_144;

/**
 * SNS Publish to the failure topic as SNS checks it (topic, subject, size), each message kept by
 * `inbox` as an email subscriber would receive it.
 */
export function snsStandIn(topicArn: string, inbox: MemoryNotifier): StandInService {
  return {
    protocol: 'query',
    target: 'AmazonSNS',
    operations: {
      async Publish(input) {
        if (input.TopicArn !== topicArn) throw new ServiceError('NotFound', `Topic does not exist: ${String(input.TopicArn)}`);
        const subject = String(input.Subject ?? '');
        if (input.Subject !== undefined && !SUBJECT.test(subject)) throw new ServiceError('InvalidParameter', 'Invalid parameter: Subject');
        const message = String(input.Message ?? '');
        if (Buffer.byteLength(message) > MESSAGE_LIMIT_BYTES) throw new ServiceError('InvalidParameter', 'Invalid parameter: Message too long');
        await inbox.publish(subject, JSON.parse(message) as Record<string, unknown>);
        return { MessageId: `stand-in-${inbox.messages.length}` };
      },
    },
  };
}
