import type { JobReport } from './compliance-rules';

/** A compliance report: what the renderers (CSV, HTML) and the CLI read. */
export interface ComplianceReport {
  readonly generatedAt: string;
  readonly inventory: { readonly sourceBucket: string; readonly createdAt: string; readonly manifestKey: string; readonly rows: number; readonly otherObjects: number };
  readonly ok: boolean;
  /** Failed checks over all jobs. */
  readonly violations: number;
  readonly jobs: readonly JobReport[];
}
