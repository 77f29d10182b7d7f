/**
 * One line of `scripts/test.sh`'s summary from a jest `--json` result, failing (exit 1) when a
 * test failed, when a suite failed outside its tests (a hook, an IAM audit in afterAll), or when
 * a suite that should have run did not (renamed, dropped).
 *
 * Usage: tsx scripts/jest-summary.ts RESULTS.json PROFILE [ARGS given to jest...]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The part of jest's `--json` output the summary reads. */
export interface JestResults {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
  readonly testResults: readonly { readonly name: string; readonly status: string; readonly assertionResults: readonly { readonly status: string }[] }[];
}

/** Every `*.test.ts` under `dir`, as paths from the repository root. */
export function everySuite(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? everySuite(join(dir, entry.name)) : entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * The summary of one run: a run of everything (`asked` names no suite) must have run every suite
 * of `allSuites`; a named run, each suite it named (`test/integration/x` for x.test.ts).
 */
export function summarize(results: JestResults, profile: string, asked: readonly string[], allSuites: readonly string[], root: string): { line: string; failed: number } {
  const ran = new Set(results.testResults.map((suite) => relative(root, suite.name)));
  const named = asked.filter((arg) => arg.startsWith('test/')).map((arg) => `${arg}.test.ts`);
  const expected = asked.length === 0 ? allSuites : named;
  const missing = expected.filter((suite) => !ran.has(suite));
  const outside = results.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.every((test) => test.status !== 'failed')).length;
  const failed = results.numFailedTests + outside + missing.length;
  const notes = `${outside ? ` (${outside} suites outside a test)` : ''}${missing.length ? ` (did not run: ${missing.join(', ')})` : ''}`;
  return { line: `${profile}: ${results.numPassedTests} passed, ${failed} failed${notes}, ${results.numPendingTests + results.numTodoTests} skipped`, failed };
}

if (require.main === module) {
  const [file = '', profile = '', ...asked] = process.argv.slice(2);
  const { line, failed } = summarize(JSON.parse(readFileSync(file, 'utf8')) as JestResults, profile, asked, everySuite('test'), process.cwd());
  console.log(line);
  process.exitCode = failed > 0 ? 1 : 0;
}
