/** One `cronsnap: <kind> {json}` line a host script printed to report a finding or an action. */
export interface ReportLine {
  readonly kind: string;
  readonly value: unknown;
}

const LINE = /^cronsnap: ([a-zA-Z]+) (\{.*\})$/;

/** The report lines in a command's stdout, in order; any other output is ignored. */
export function reportLines(stdout: string): ReportLine[] {
  return stdout.split('\n').flatMap((line) => {
    const match = LINE.exec(line);
    return match ? [{ kind: match[1] ?? '', value: JSON.parse(match[2] ?? '') as unknown }] : [];
  });
}
