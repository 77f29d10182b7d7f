import * as z from 'zod';
import { hasOnePasswordSource, ONE_PASSWORD_SOURCE_MESSAGE, passwordSourceFields } from './password-source';
import { commandWords, token } from '../parameters/shell-safe';

export const HOST_PORT_PATTERN = '^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$';

/** A server to restore into or drill on, as `host:port`. */
export const serverHostPort = z.string().regex(new RegExp(HOST_PORT_PATTERN), 'must be host:port');
const hostPort = z.string().regex(new RegExp(HOST_PORT_PATTERN), 'must be host:port, e.g. 10.0.2.15:3306');
const DATABASE_NAME = '[A-Za-z0-9_$-]{1,64}';
export const DATABASE_NAME_PATTERN = `^${DATABASE_NAME}$`;
/** A comma-separated list of database names, as a document parameter carries it. */
export const DATABASE_LIST_PATTERN = `^${DATABASE_NAME}(,${DATABASE_NAME}){0,99}$`;
export const databaseName = z.string().regex(new RegExp(`^${DATABASE_NAME}$`), 'must be a database name of letters, digits, _ $ -');

/** The REST API credentials maxctrl (MaxScale 2.5+) is given when MaxScale's defaults do not hold. */
const maxscaleAccessSchema = z
  .object({
    hosts: z.array(z.string().regex(new RegExp(HOST_PORT_PATTERN), 'must be host:port, e.g. 127.0.0.1:8989')).min(1).max(8).optional().describe("MaxScale REST API host:port list (maxctrl --hosts); maxctrl's default 127.0.0.1:8989 when omitted"),
    user: token.describe('REST API user'),
    ...passwordSourceFields,
  })
  .strict()
  .refine(hasOnePasswordSource, { message: ONE_PASSWORD_SOURCE_MESSAGE });

/** How the host script finds and dumps a MySQL/MariaDB server. */
export const mysqlSettingsSchema = z
  .object({
    hosts: z.array(hostPort).min(1).max(16).describe('candidate servers, in order; the writable primary is chosen among them'),
    maxscale: z
      .union([z.boolean(), maxscaleAccessSchema])
      .default(false)
      .describe(
        'ask MaxScale which server is the running master: `maxctrl --tsv list servers` (MaxScale 2.5+), else `maxadmin list servers`; `true` uses maxctrl\'s own defaults, an object gives its REST API user and password',
      ),
    source: z.enum(['primary', 'replica']).default('primary').describe('dump the writable primary, or a read-only replica'),
    user: token,
    ...passwordSourceFields,
    databases: z.array(databaseName).min(1).optional().describe('dump these databases; all when omitted'),
    mysqldump: commandWords.default('mysqldump'),
    mysql: commandWords.default('mysql'),
  })
  .strict()
  .refine(hasOnePasswordSource, { message: ONE_PASSWORD_SOURCE_MESSAGE });

export type MysqlSettings = z.infer<typeof mysqlSettingsSchema>;
export type MaxscaleAccess = z.infer<typeof maxscaleAccessSchema>;
