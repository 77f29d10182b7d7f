/**
 * cfn-lint warnings on the synthesized template that are known and accepted, each with its reason.
 * The infra tests run cfn-lint on every template they synthesize: an error, or any warning not
 * matched here, fails them.
 */
export interface CfnLintAcknowledgement {
  /** The rule, e.g. `W3005`. */
  readonly rule: string;
  /** Logical IDs it applies to: a pattern over the resource the warning is on. */
  readonly resource: RegExp;
  readonly reason: string;
}

export const CFN_LINT_ACKNOWLEDGED: readonly CfnLintAcknowledgement[] = [
  {
    rule: 'W3045',
    resource: /^StorageAccessLogs/,
    reason: 'aws-cdk-lib sets AccessControl LogDeliveryWrite on a server access log target bucket; the bucket also blocks public access and enforces TLS.',
  },
  {
    rule: 'W3005',
    resource: /(Function|StateMachine)[0-9A-F]{8}$|^BucketNotificationsHandler|^CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C[0-9A-F]{8}$/,
    reason: "aws-cdk-lib makes each function and the state machine depend on its role's default policy as well as on the role, so the policy exists before the first invocation; the redundant DependsOn is CDK's.",
  },
];
