import * as z from 'zod';
import type { DocumentParameter } from '../parameters/document-parameter';

export const SSM_PARAMETER_PATTERN = '^/[A-Za-z0-9/_.-]{1,1010}$';
/** A secret's name (RDS-managed ones look like rds!db-...), or its ARN as the console shows it. */
export const SECRET_ID_PATTERN = '^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]{1,32}:[0-9]{12}:secret:)?[A-Za-z0-9/_+=.@!-]{1,512}$';
export const SECRET_KEY_PATTERN = '^[A-Za-z0-9_.@-]{1,64}$';

/** An SSM SecureString parameter name; only the host reads it, at run time. */
export const secretParameter = z
  .string()
  .regex(new RegExp(SSM_PARAMETER_PATTERN), 'must be an SSM parameter name such as /cronsnap/prod-mysql/password');

/** A Secrets Manager secret holding the password; only the host reads it, at run time. */
export const passwordSecretSchema = z
  .object({
    id: z
      .string()
      .regex(new RegExp(SECRET_ID_PATTERN), 'must be a Secrets Manager secret name or ARN')
      .describe('the secret name, or its whole ARN as the console shows it'),
    jsonKey: z
      .string()
      .regex(new RegExp(SECRET_KEY_PATTERN), 'must be a JSON field name of letters, digits, _ . @ -')
      .optional()
      .describe('the field holding the password when the secret is a JSON object, as RDS stores them (`password`); the whole secret string when omitted'),
  })
  .strict();

/** Where a database job's password lives; a settings schema spreads these and checks them with `hasOnePasswordSource`. */
export const passwordSourceFields = {
  passwordParameter: secretParameter.optional().describe('SSM SecureString holding the password (set this or passwordSecret)'),
  passwordSecret: passwordSecretSchema.optional().describe('Secrets Manager secret holding the password (set this or passwordParameter)'),
};

export type PasswordSource = z.infer<z.ZodObject<typeof passwordSourceFields>>;

export function hasOnePasswordSource(settings: PasswordSource): boolean {
  return (settings.passwordParameter === undefined) !== (settings.passwordSecret === undefined);
}

export const ONE_PASSWORD_SOURCE_MESSAGE = 'set exactly one of passwordParameter (SSM SecureString) or passwordSecret (Secrets Manager)';

/**
 * A password source's document parameter names: `passwordParameter`, or `<prefix>PasswordParameter`
 * for a second secret in the same program (secret.sh `read_secret PREFIX`).
 */
function parameterName(prefix: string, field: 'passwordParameter' | 'passwordSecret' | 'passwordSecretKey'): string {
  return prefix === '' ? field : `${prefix}${field[0]?.toUpperCase() ?? ''}${field.slice(1)}`;
}

/** The document parameters that tell the host where to read a password (secret.sh `read_secret`). */
export function passwordParameters(prefix = '', whose = 'the password'): DocumentParameter[] {
  return [
    { name: parameterName(prefix, 'passwordParameter'), description: `SSM SecureString with ${whose} (read on the host)`, pattern: SSM_PARAMETER_PATTERN, optional: true },
    { name: parameterName(prefix, 'passwordSecret'), description: `Secrets Manager secret with ${whose} (read on the host), when the SSM parameter is empty`, pattern: SECRET_ID_PATTERN, optional: true },
    { name: parameterName(prefix, 'passwordSecretKey'), description: "The secret's JSON field holding it; the whole secret when empty", pattern: SECRET_KEY_PATTERN, optional: true },
  ];
}

export const PASSWORD_PARAMETERS: readonly DocumentParameter[] = passwordParameters();

export function passwordParameterValues(source: Partial<PasswordSource>, prefix = ''): Record<string, string> {
  return {
    [parameterName(prefix, 'passwordParameter')]: source.passwordParameter ?? '',
    [parameterName(prefix, 'passwordSecret')]: source.passwordSecret?.id ?? '',
    [parameterName(prefix, 'passwordSecretKey')]: source.passwordSecret?.jsonKey ?? '',
  };
}
