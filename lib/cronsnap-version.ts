import * as z from 'zod';
import { version } from '../package.json';

/** The version of cronsnap this code is: `cronsnap --version`, and in every manifest its host programs write. */
export const CRONSNAP_VERSION: string = version;

/** A manifest's `cronsnapVersion`: absent from manifests written before versions were recorded. */
export const cronsnapVersionField = z.string().regex(/^[0-9A-Za-z.+-]+$/, 'must be a version such as 0.2.0').optional();
