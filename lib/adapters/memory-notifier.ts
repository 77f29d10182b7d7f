import type { Notifier } from '../ports/notifier';

/** Keeps what would have gone to SNS, for local mode and tests. */
export class MemoryNotifier implements Notifier {
  readonly messages: { subject: string; message: Readonly<Record<string, unknown>> }[] = [];

  async publish(subject: string, message: Readonly<Record<string, unknown>>): Promise<void> {
    this.messages.push({ subject, message });
  }
}
