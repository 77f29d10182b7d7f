import { DeleteObjectsCommand, GetObjectCommand, GetObjectLegalHoldCommand, HeadObjectCommand, NoSuchKey, NotFound, paginateListObjectsV2, PutObjectCommand, PutObjectLegalHoldCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { CronsnapError } from '../errors';
import type { ObjectStore, ObjectVersion, StoredObject } from '../ports/object-store';

const isNotFound = (error: unknown) =>
  error instanceof NoSuchKey || error instanceof NotFound || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404);

const isDenied = (error: unknown) => error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403;

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** SSE-KMS key for what the Lambdas write (the backup bucket's policy refuses anything else); empty: the bucket's default encryption. */
    private readonly kmsKeyId: string,
    /**
     * Keys this principal may read but whose prefix it may not list: S3 answers a missing one with
     * 403, not 404, to a caller without s3:ListBucket, so there a 403 means missing.
     */
    private readonly unlisted: (key: string) => boolean = () => false,
  ) {}

  private isMissing(error: unknown, key: string): boolean {
    return isNotFound(error) || (isDenied(error) && this.unlisted(key));
  }

  /**
   * What every PutObject carries: SSE-KMS with our key, and a checksum. A bucket with Object Lock
   * default retention refuses a PutObject without Content-MD5 or an SDK checksum, and whether the
   * SDK sends one by default depends on its version: the functions run the Lambda runtime's.
   */
  private get writeOptions() {
    return { ChecksumAlgorithm: 'SHA256' as const, ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.kmsKeyId } : {}) };
  }

  async getStream(key: string): Promise<Readable> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(response.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${key} has no readable body`);
    return response.Body;
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ...this.writeOptions }));
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (this.isMissing(error, key)) return undefined;
      throw error;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix, ...(startAfter ? { StartAfter: startAfter } : {}) })) {
      for (const object of page.Contents ?? []) objects.push({ key: object.Key ?? '', size: object.Size ?? 0 });
    }
    return objects;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: response.ContentLength ?? 0,
        ...(response.ObjectLockRetainUntilDate ? { retainUntil: response.ObjectLockRetainUntilDate } : {}),
        ...(response.ReplicationStatus ? { replication: response.ReplicationStatus } : {}),
      };
    } catch (error) {
      if (this.isMissing(error, key)) return undefined;
      throw error;
    }
  }

  async deleteKeys(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes 1,000 keys a request and answers per key, in no promised order: a caller
    // that needs one key gone before another makes two calls.
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      const response = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        throw new Error(`could not delete ${errors.map((error) => `${error.Key}: ${error.Code} ${error.Message ?? ''}`.trim()).join('; ')}`);
      }
    }
  }

  async legalHold(key: string): Promise<ObjectVersion & { on: boolean }> {
    const { VersionId: versionId } = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!versionId) throw new CronsnapError(`s3://${this.bucket}/${key} has no version id: legal holds need a versioned bucket with Object Lock`);
    try {
      const response = await this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
      return { key, versionId, on: response.LegalHold?.Status === 'ON' };
    } catch (error) {
      // S3's answer for a version that never had a legal hold.
      if (error instanceof S3ServiceException && error.name === 'NoSuchObjectLockConfiguration') return { key, versionId, on: false };
      throw error;
    }
  }

  async setLegalHold(version: ObjectVersion, on: boolean): Promise<void> {
    // S3 requires a checksum of the request; the SDK adds one for this operation.
    const put = new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: version.key, VersionId: version.versionId, LegalHold: { Status: on ? 'ON' : 'OFF' } });
    try {
      await this.client.send(put);
    } catch (error) {
      // A version gone (its noncurrent days passed once an earlier lift let them) holds nothing to lift.
      if (!on && isNotFound(error)) return;
      throw error;
    }
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const put = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*', ...this.writeOptions });
    put.middlewareStack.add(
      (next) => async (args) => {
        assertIfNoneMatchSent(args.request);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'cronsnapRequireIfNoneMatch' },
    );
    try {
      await this.client.send(put);
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return false;
      throw error;
    }
  }
}

/**
 * Refuses a conditional put whose request lost its If-None-Match: an SDK older than S3's
 * conditional writes (the Lambda runtime's, if the bundle left it out) drops the field it does not
 * know, and the put would overwrite, so every run claim would "succeed".
 */
function assertIfNoneMatchSent(request: unknown): void {
  const headers = (request as { headers?: Record<string, string> }).headers ?? {};
  if (headers['if-none-match'] !== '*') {
    throw new CronsnapError("this AWS SDK for JavaScript does not send PutObject's IfNoneMatch, so a conditional write would overwrite; nothing was written; run the functions on a runtime whose SDK has conditional writes (3.650 or later) or bundle the SDK");
  }
}
