import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { buildCommandDocument } from '../../lib/ssm/command-document';
import { documentName, type HostProgram } from '../../lib/ssm/host-program';

export interface HostDocumentsProps {
  /** Prefix of every document name: `<prefix>-<program id>`, e.g. `cronsnap-etcd-backup`. */
  readonly namePrefix: string;
  /** The host programs to deploy, one Command document each. */
  readonly programs: readonly HostProgram[];
}

/** One SSM Command document per host program, generated at synth from lib/host-scripts. */
export class HostDocuments extends Construct {
  /** Deployed document names by program id. */
  public readonly names: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: HostDocumentsProps) {
    super(scope, id);
    const names: Record<string, string> = {};
    for (const program of props.programs) {
      const name = documentName(props.namePrefix, program);
      new ssm.CfnDocument(this, `${program.id}Document`, {
        name,
        documentType: 'Command',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: buildCommandDocument(program),
      });
      names[program.id] = name;
    }
    this.names = names;
  }
}
