import * as z from 'zod';
import { databaseName, HOST_PORT_PATTERN } from './mysql-settings';
import { hasOnePasswordSource, ONE_PASSWORD_SOURCE_MESSAGE, passwordSourceFields } from './password-source';
import { commandWords, token } from './shell-safe';

/** How the host script dumps a PostgreSQL server. */
export const postgresSettingsSchema = z
  .object({
    server: z.string().regex(new RegExp(HOST_PORT_PATTERN), 'must be host:port, e.g. 10.0.3.20:5432'),
    user: token,
    ...passwordSourceFields,
    mode: z
      .enum(['per-database', 'dumpall'])
      .default('per-database')
      .describe('per-database: pg_dumpall --globals-only plus one pg_dump -Fc per database (restorable in parallel); dumpall: one pg_dumpall'),
    databases: z.array(databaseName).min(1).optional().describe('dump these databases; every connectable non-template database when omitted'),
    parallelDatabases: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(1)
      .describe('per-database: up to this many databases dumped at once, each its own part (a server with many databases takes the longest one, not the sum)'),
    pgDump: commandWords.default('pg_dump'),
    pgDumpall: commandWords.default('pg_dumpall'),
    psql: commandWords.default('psql'),
    pgRestore: commandWords.default('pg_restore').describe('used by restores'),
  })
  .strict()
  .refine(hasOnePasswordSource, { message: ONE_PASSWORD_SOURCE_MESSAGE })
  .refine((postgres) => postgres.mode === 'per-database' || postgres.parallelDatabases === 1, {
    message: 'a dumpall is one pg_dumpall; parallelDatabases applies to per-database',
    path: ['parallelDatabases'],
  });

export type PostgresSettings = z.infer<typeof postgresSettingsSchema>;
