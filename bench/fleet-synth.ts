/**
 * `cdk synth` of a fleet (issue 40): the app synthesized for 1, 40 and 500 jobs of every engine
 * and feature, with its time, the main template's bytes, every template's bytes together and the
 * fullest stack's resources, each against one job's; the per-job cost is what each further job adds.
 */
import { templateBytes } from '../test/helpers/aws-limits';
import { stackTemplates } from '../test/helpers/nested-stacks';
import { synthStacks } from '../test/helpers/stack-factory';
import { fleetConfig } from '../test/helpers/fleet-config';
import type { BenchResult } from './timing';

interface Synthesized {
  readonly seconds: number;
  /** The main stack's own template. */
  readonly bytes: number;
  /** Every template of both stacks, job groups included. */
  readonly allBytes: number;
  /** Resources of the fullest template. */
  readonly fullest: number;
  readonly templates: number;
}

function synth(jobs: number): Synthesized {
  const started = process.hrtime.bigint();
  const { stack, replica } = synthStacks(fleetConfig(jobs));
  const templates = [...stackTemplates(stack), ...(replica ? stackTemplates(replica.stack) : [])].map(({ template }) => template);
  const sizes = templates.map(templateBytes);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    bytes: sizes[0] ?? 0,
    allBytes: sizes.reduce((sum, size) => sum + size, 0),
    fullest: Math.max(...templates.map((template) => Object.keys(template.Resources).length)),
    templates: templates.length,
  };
}

export async function benchFleetSynth(): Promise<BenchResult[]> {
  // The first synthesis pays for esbuild's and CDK's warm-up: measured apart, not as one job's time.
  synth(1);
  const one = synth(1);
  const counts = (process.env.BENCH_FLEET_JOBS ?? '40,500').split(',').map(Number);
  return counts.map((jobs) => {
    const name = `cdk synth, ${jobs} jobs / 1 job`;
    let fleet: Synthesized;
    try {
      fleet = synth(jobs);
    } catch (error) {
      // CDK refuses what CloudFormation would (a stack over 500 resources): the row would say so.
      return { name, ratio: Number.NaN, detail: `refused: ${(error as Error).message.slice(0, 160)}` };
    }
    const perJob = (value: number, base: number) => ((value - base) / (jobs - 1)).toFixed(0);
    return {
      name,
      ratio: fleet.seconds / one.seconds,
      detail:
        `${fleet.seconds.toFixed(1)} s against ${one.seconds.toFixed(1)} s; main template ${fleet.bytes} bytes (${perJob(fleet.bytes, one.bytes)} per job, limit 1,000,000); ` +
        `${fleet.templates} templates, ${fleet.allBytes} bytes together (${perJob(fleet.allBytes, one.allBytes)} per job); the fullest holds ${fleet.fullest} resources (limit 500)`,
    };
  });
}
