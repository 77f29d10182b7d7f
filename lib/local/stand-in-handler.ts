import { Readable } from 'node:stream';
import { signerOf, standInCall, type RecordedCall } from './aws-call-recorder';

/** A refusal as the service sends it: its error code (the SDK's exception name) and message. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** One operation of a stand-in service: the request's members in, the response's members out. */
export type StandInOperation = (input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * An AWS service played on this machine for the SDK clients of the local mode: what SSM Run
 * Command, Step Functions and SNS would answer, where moto cannot run the real thing.
 */
export interface StandInService {
  /** The wire protocol its SDK client speaks: JSON (`x-amz-target`) or the query protocol (`Action=`). */
  readonly protocol: 'json' | 'query';
  /** The `x-amz-target` prefix naming the service, such as `AmazonSSM`. */
  readonly target: string;
  /** The operations played, by name; any other is refused as the service refuses an unknown action. */
  readonly operations: Readonly<Record<string, StandInOperation>>;
}

/** The part of the SDK's signed HttpRequest a stand-in reads. */
interface SignedRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** The SDK's HttpResponse, as its deserializers read it. */
interface StandInResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Readable;
}

/** An SDK request handler: the SDK takes any object with `handle` as one, in place of its HTTP client. */
export interface StandInRequestHandler {
  handle(request: SignedRequest): Promise<{ response: StandInResponse }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
}

/** Where every request the handler serves is recorded, signed as the client signed it. */
export type CallSink = (call: RecordedCall) => void;

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  // The JSON protocols' body is a Uint8Array that warns when read as a string: read its bytes.
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (body === undefined || body === null) return '';
  throw new Error('a stand-in service takes string or byte bodies only');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function response(statusCode: number, contentType: string, body: string): { response: StandInResponse } {
  return { response: { statusCode, headers: { 'content-type': contentType, 'x-amzn-requestid': 'stand-in' }, body: Readable.from([Buffer.from(body)]) } };
}

/**
 * An SDK request handler (the `requestHandler` of a client) that serves `service` on this
 * machine. Each request reaches it serialized and signed by the SDK, as it would leave for AWS,
 * and is recorded with its signer before it is served, so the IAM audit judges the calls the real
 * adapters make, not a copy of them.
 */
export function standInHandler(service: StandInService, record?: CallSink): StandInRequestHandler {
  return {
    async handle(request) {
      const text = bodyText(request.body);
      const query = service.protocol === 'query' ? new URLSearchParams(text) : undefined;
      const operation = query ? (query.get('Action') ?? '') : (request.headers['x-amz-target'] ?? '').replace(`${service.target}.`, '');
      const input = query ? Object.fromEntries([...query].filter(([name]) => name !== 'Action' && name !== 'Version')) : (JSON.parse(text || '{}') as Record<string, unknown>);
      const authorization = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1] ?? '';
      record?.(standInCall(signerOf(authorization), `${service.target}.${operation}`, input));
      try {
        const played = service.operations[operation];
        if (!played) throw new ServiceError(query ? 'InvalidAction' : 'UnknownOperationException', `${service.target} has no operation ${operation} here`);
        const output = await played(input);
        if (!query) return response(200, 'application/x-amz-json-1.1', JSON.stringify(output));
        const members = Object.entries(output).map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`).join('');
        return response(200, 'text/xml', `<${operation}Response><${operation}Result>${members}</${operation}Result><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></${operation}Response>`);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        if (!query) return response(400, 'application/x-amz-json-1.1', JSON.stringify({ __type: error.code, message: error.message }));
        return response(400, 'text/xml', `<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`);
      }
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

/** What a stand-in's SDK client is built with. */
export interface StandInClientConfig {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly requestHandler: StandInRequestHandler;
  readonly maxAttempts: number;
}

/** An SDK client class, such as SSMClient. */
export type StandInClientClass<Client> = new (config: StandInClientConfig) => Client;

/**
 * The real SDK client of `service`, signing as `accessKeyId` (the principal it stands for), its
 * requests served by the stand-in and each told to `record`.
 */
export function standInClient<Client>(Client: StandInClientClass<Client>, service: StandInService, as: { region: string; accessKeyId: string; record?: CallSink }): Client {
  return new Client({
    region: as.region,
    credentials: { accessKeyId: as.accessKeyId, secretAccessKey: 'stand-in' },
    requestHandler: standInHandler(service, as.record),
    // A refusal is the answer; the SDK's retries would only repeat it.
    maxAttempts: 1,
  });
}

/** Refuses `input` unless `member` holds at most `max` characters, as the service's model says. */
export function atMost(input: Record<string, unknown>, member: string, max: number): void {
  const value = input[member];
  if (typeof value === 'string' && value.length > max) throw new ServiceError('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
}
