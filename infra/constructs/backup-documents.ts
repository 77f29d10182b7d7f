import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Engine } from '../../lib/config/job-config';
import { ENGINES } from '../../lib/engines';
import { buildCommandDocument } from '../../lib/ssm/command-document';
import { backupDocumentName } from '../../lib/ssm/document-names';

export interface BackupDocumentsProps {
  /** Prefix of every document name: `<prefix>-<engine>-backup`. */
  readonly namePrefix: string;
}

/** One SSM Command document per engine, generated at synth from lib/host-scripts. */
export class BackupDocuments extends Construct {
  public readonly documents: { readonly [E in Engine]: ssm.CfnDocument };
  public readonly names: { readonly [E in Engine]: string };

  constructor(scope: Construct, id: string, props: BackupDocumentsProps) {
    super(scope, id);
    const entries = Object.values(ENGINES).map((engine) => {
      const name = backupDocumentName(props.namePrefix, engine.engine);
      const document = new ssm.CfnDocument(this, `${engine.engine}Document`, {
        name,
        documentType: 'Command',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: buildCommandDocument(engine),
      });
      return [engine.engine, document, name] as const;
    });
    this.documents = Object.fromEntries(entries.map(([engine, document]) => [engine, document])) as BackupDocuments['documents'];
    this.names = Object.fromEntries(entries.map(([engine, , name]) => [engine, name])) as BackupDocuments['names'];
  }
}
