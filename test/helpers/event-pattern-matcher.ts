import { execFileSync } from 'node:child_process';

/** A pattern as deployed and an event to judge against it. */
export interface PatternCase {
  readonly pattern: unknown;
  readonly event: object;
}

// moto's own EventBridge matcher (the one its PutEvents routing uses): moto_server's
// TestEventPattern is a stub that answers nothing, so the library is called directly.
const MATCHER = `
import json, sys
from moto.events.models import EventPattern, EventPatternParser
for line in sys.stdin:
    case = json.loads(line)
    raw = json.dumps(case["pattern"])
    print(json.dumps(EventPattern(raw, EventPatternParser(raw).parse()).matches_event(case["event"])))
`;

/** Comparison operators EventBridge knows (EventBridge user guide, content filtering). */
const OPERATORS = new Set(['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'equals-ignore-case', 'cidr', 'wildcard']);

/**
 * What EventBridge would refuse at PutRule and moto lets through: an operator object must hold
 * exactly one known operator (moto reads the first and takes an unknown one as a match).
 */
export function patternProblems(pattern: unknown, path = ''): string[] {
  if (Array.isArray(pattern)) {
    return pattern.flatMap((value, index) => {
      if (value === null || typeof value !== 'object') return [];
      const keys = Object.keys(value as object);
      if (keys.length !== 1 || !OPERATORS.has(keys[0] ?? '')) return [`${path}[${index}]: an operator object holds exactly one of ${[...OPERATORS].join(', ')}, not {${keys.join(', ')}}`];
      return [];
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    return Object.entries(pattern).flatMap(([key, value]) => patternProblems(value, path ? `${path}.${key}` : key));
  }
  return [`${path}: must be an object or an array`];
}

/** Whether each event matches its pattern under EventBridge's rules; a pattern EventBridge would refuse throws. */
export function matchEvents(cases: readonly PatternCase[]): boolean[] {
  const problems = cases.flatMap((testCase) => patternProblems(testCase.pattern));
  if (problems.length > 0) throw new Error(`EventBridge would refuse these patterns: ${problems.join('; ')}`);
  const output = execFileSync('python3', ['-c', MATCHER], { input: cases.map((testCase) => JSON.stringify(testCase)).join('\n'), encoding: 'utf8' });
  return output.trim().split('\n').map((line) => JSON.parse(line) as boolean);
}
