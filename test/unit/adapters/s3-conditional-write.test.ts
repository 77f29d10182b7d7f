import { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { S3ObjectStore } from '../../../lib/adapters/s3-object-store';

describe('S3ObjectStore conditional writes', () => {
  /** An S3Client whose requests end here: each is recorded and answered 200, nothing leaves the process. */
  function recordingClient(): { client: S3Client; requests: { headers: Record<string, string> }[] } {
    const requests: { headers: Record<string, string> }[] = [];
    const client = new S3Client({
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          requests.push(request);
          return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
        },
      } as never,
    });
    return { client, requests };
  }

  it('sends a run claim with If-None-Match: *', async () => {
    const { client, requests } = recordingClient();

    await expect(new S3ObjectStore(client, 'backups', 'alias/cronsnap').putIfAbsent('_cronsnap/runs/prod-etcd/run.json', '{}')).resolves.toBe(true);

    expect(requests.map((request) => request.headers['if-none-match'])).toEqual(['*']);
  });

  it('refuses a run claim, sending nothing, on an SDK that drops IfNoneMatch', async () => {
    const { client, requests } = recordingClient();
    // What a serializer older than S3's conditional writes does: the field it does not know never reaches the request.
    client.middlewareStack.add(
      (next) => async (args) => {
        delete (args.request as { headers: Record<string, string> }).headers['if-none-match'];
        return next(args);
      },
      { step: 'build', name: 'olderSdk' },
    );

    await expect(new S3ObjectStore(client, 'backups', 'alias/cronsnap').putIfAbsent('_cronsnap/runs/prod-etcd/run.json', '{}')).rejects.toThrow('does not send PutObject\'s IfNoneMatch');
    expect(requests).toEqual([]);
  });
});
