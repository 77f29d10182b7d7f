import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsFiles } from '../lib/local/etcd-server';

/**
 * A loopback AWS endpoint for benchmarks that reads and discards every S3 write (PutObject and
 * multipart uploads) and answers SSM GetParameter with one password. The real `aws` CLI on the
 * host talks to it, so a run pays for everything the host does (dump, zstd, hashes, the CLI's
 * multipart upload) but not for an S3 stand-in's ingest competing for the same 2 cores, which
 * real S3 does elsewhere. It speaks HTTPS, as S3 does (the bucket policy denies anything else):
 * over plain HTTP the CLI would also SigV4-hash every part's body, which it never does against S3.
 */
export interface DiscardingAws {
  /** Host environment that points the host scripts' `aws` calls here. */
  readonly env: Record<string, string>;
  /** Bytes of object data received and discarded. */
  readonly discardedBytes: () => number;
  stop(): Promise<void>;
}

export async function startDiscardingAws(password: string, tls: TlsFiles): Promise<DiscardingAws> {
  let discarded = 0;
  const server = createServer({ key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) }, (request, response) => {
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
    });
    request.on('end', () => answer(request, response, password));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { CRONSNAP_AWS_ENDPOINT_URL: `https://127.0.0.1:${port}`, AWS_CA_BUNDLE: tls.caFile },
    discardedBytes: () => discarded,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function answer(request: IncomingMessage, response: ServerResponse, password: string): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const target = request.headers['x-amz-target'];
  if (target === 'AmazonSSM.GetParameter') {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Parameter: { Value: password, Type: 'SecureString' } }));
  } else if (request.method === 'POST' && url.searchParams.has('uploads')) {
    const [, bucket = '', ...key] = url.pathname.split('/');
    response
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key.join('/')}</Key><UploadId>discarded</UploadId></InitiateMultipartUploadResult>`);
  } else if (request.method === 'POST' && url.searchParams.has('uploadId')) {
    response.writeHead(200, { 'content-type': 'application/xml' }).end('<CompleteMultipartUploadResult><ETag>"discarded"</ETag></CompleteMultipartUploadResult>');
  } else if (request.method === 'PUT') {
    response.writeHead(200, { etag: '"discarded"' }).end();
  } else {
    response.writeHead(400, { 'content-type': 'application/xml' }).end(`<Error><Code>NotImplemented</Code><Message>${request.method} ${url.pathname}</Message></Error>`);
  }
}
