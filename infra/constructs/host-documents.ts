import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { buildCommandDocument } from '../../lib/ssm/command-document';
import { documentName, type HostProgram } from '../../lib/ssm/host-program';

export interface HostDocumentsProps {
  /** Prefix of every document name: `<prefix>-<program id>`, e.g. `cronsnap-etcd-backup`. */
  readonly namePrefix: string;
  /** The host programs to deploy, one Command document each. */
  readonly programs: readonly HostProgram[];
  /** Where each document's loader reads its program (published there by HostProgramObjects). */
  readonly bucket: s3.IBucket;
}

/** CreateDocument's Name: 3-128 of these characters. */
const DOCUMENT_NAME = /^[a-zA-Z0-9_\-.]{3,128}$/;

/** One SSM Command document per host program: a small loader of the program, checked by its digest. */
export class HostDocuments extends Construct {
  /** Deployed document names by program id. */
  public readonly names: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: HostDocumentsProps) {
    super(scope, id);
    const names: Record<string, string> = {};
    for (const program of props.programs) {
      const name = documentName(props.namePrefix, program);
      if (!DOCUMENT_NAME.test(name)) {
        // The prefix is the stack name in lower case (lib/deployment/deployment-names.ts).
        throw new Error(`cronsnap:stackName: the SSM document ${name} is ${name.length} characters, and SSM takes 3 to 128 letters, digits, _, - and .: give a shorter stack name`);
      }
      new ssm.CfnDocument(this, `${program.id}Document`, {
        name,
        documentType: 'Command',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: buildCommandDocument(program, props.bucket.bucketName),
      });
      names[program.id] = name;
    }
    this.names = names;
  }
}
