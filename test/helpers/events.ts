import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { ScheduledBackupEvent } from '../../lib/backup/start-backup';
import type { ObjectCreatedEvent } from '../../lib/compliance/object-created-event';
import type { StatusChangeEvent } from '../../lib/ssm/status-change-event';

interface Events {
  'scheduled-backup': ScheduledBackupEvent;
  'ssm-invocation-status-change': StatusChangeEvent;
  'inventory-manifest-created': ObjectCreatedEvent;
}

/** A fresh copy of a JSON event from test/events. */
export function loadEvent<N extends keyof Events>(name: N): Events[N] {
  return structuredClone(JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8')));
}

export const lambdaContext = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  functionName: 'cronsnap-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:cronsnap-test',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 60000,
} as unknown as Context;
