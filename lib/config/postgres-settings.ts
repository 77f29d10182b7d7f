import * as z from 'zod';
import { databaseName, HOST_PORT_PATTERN } from './mysql-settings';
import { hasOnePasswordSource, ONE_PASSWORD_SOURCE_MESSAGE, passwordSourceFields } from './password-source';
import { commandWords, token } from '../parameters/shell-safe';

/** How the host script dumps a PostgreSQL server. */
export const postgresSettingsSchema = z
  .object({
    server: z.string().regex(new RegExp(HOST_PORT_PATTERN), 'must be host:port, e.g. 10.0.3.20:5432'),
    user: token,
    ...passwordSourceFields,
    mode: z
      .enum(['per-database', 'dumpall', 'physical'])
      .default('per-database')
      .describe(
        'per-database: pg_dumpall --globals-only plus one pg_dump -Fc per database (restorable in parallel); dumpall: one pg_dumpall; physical: a pg_basebackup of the whole cluster, the base of restores to a point in time (needs wal)',
      ),
    databases: z.array(databaseName).min(1).optional().describe('dump these databases; every connectable non-template database when omitted'),
    parallelDatabases: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(1)
      .describe('per-database: up to this many databases dumped at once, each its own part (a server with many databases takes the longest one, not the sum)'),
    checkpoint: z
      .enum(['spread', 'fast'])
      .default('spread')
      .describe('physical: the checkpoint a base backup starts from; spread paces its writes beside the database, fast starts at once'),
    pgDump: commandWords.default('pg_dump'),
    pgBasebackup: commandWords.default('pg_basebackup').describe('physical: the user needs the REPLICATION attribute and a replication line in pg_hba.conf'),
    pgDumpall: commandWords.default('pg_dumpall'),
    psql: commandWords.default('psql'),
    pgRestore: commandWords.default('pg_restore').describe('used by restores'),
    pgCtl: commandWords
      .default('pg_ctl')
      .describe("physical: the recovering host's pg_ctl of the backed-up release (Debian: /usr/lib/postgresql/<major>/bin/pg_ctl, RHEL: /usr/pgsql-<major>/bin/pg_ctl)"),
    osUser: token.default('postgres').describe('physical: the system user a recovered server runs as; it also connects as the database user of that name'),
  })
  .strict()
  .refine(hasOnePasswordSource, { message: ONE_PASSWORD_SOURCE_MESSAGE })
  .refine((postgres) => postgres.mode === 'per-database' || postgres.parallelDatabases === 1, {
    message: 'a dumpall or a physical base backup is one stream; parallelDatabases applies to per-database',
    path: ['parallelDatabases'],
  })
  .refine((postgres) => postgres.mode !== 'physical' || postgres.databases === undefined, {
    message: 'a physical base backup copies the whole cluster; databases applies to per-database and dumpall',
    path: ['databases'],
  });

export type PostgresSettings = z.infer<typeof postgresSettingsSchema>;
