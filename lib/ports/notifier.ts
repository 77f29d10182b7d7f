/** Where failures are reported: SNS in AWS, an in-memory list locally. */
export interface Notifier {
  publish(subject: string, message: Readonly<Record<string, unknown>>): Promise<void>;
}
