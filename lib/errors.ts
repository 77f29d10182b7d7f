/** Base class so callers can tell our domain failures from programming errors. */
export class CronsnapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The config file is unreadable or does not match the schema; `message` names every bad field. */
export class ConfigError extends CronsnapError {}

/** A schedule expression cannot be parsed or has no EventBridge equivalent. */
export class ScheduleError extends CronsnapError {}

/** An event or request reaching a handler does not have the expected shape. */
export class InvalidEventError extends CronsnapError {}

/** A manifest in the bucket is missing or does not match the manifest schema. */
export class ManifestError extends CronsnapError {}

/** A finished command's completion was claimed but not handled, nor reported; `cause` is what stopped it. */
export class CompletionError extends CronsnapError {}

/** No host matched a job's targets, or none of them is online. */
export class NoTargetError extends CronsnapError {}

/** The job named in an event is not in the deployed config. */
export class UnknownJobError extends CronsnapError {}

/** A restore was refused or failed; `message` says at which step and why, and what was left as it was. */
export class RestoreError extends CronsnapError {}

/** A restore its plan step refused before anything changed: the target is in the way (a database that holds data, a .old copy that exists). */
export class RestoreRefusedError extends RestoreError {}

/** An S3 Inventory file or row does not have the expected form; `message` names the file, line and column. */
export class InvalidInventoryError extends CronsnapError {}

/** No deployer policy can be made from the synthesized templates: none are there, or one holds a resource the policy does not know. */
export class DeployerPolicyError extends CronsnapError {}
