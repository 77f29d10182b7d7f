/**
 * Every function bundled as the stack bundles it (esbuild, minified, node22, the runtime's
 * @aws-sdk/* left out as NodejsFunction does by default), with its size against the 500 KB
 * target (issue 9) and its module init time: loading the bundle in a fresh node process with the
 * function's environment, the cold-start work cronsnap itself adds.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { run } from '../lib/local/run-command';
import type { BenchResult } from './timing';

const FUNCTIONS_DIR = join(__dirname, '..', 'functions');
const TARGET_BYTES = 500 * 1024;

export async function benchLambdaBundles(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-bundles-'));
  try {
    const config = join(dir, 'cronsnap.config.json');
    writeFileSync(
      config,
      JSON.stringify(parseConfig({ version: 1, jobs: [{ name: 'prod-etcd', engine: 'etcd', schedule: '*/30 * * * *', targets: { instanceIds: ['i-0123456789abcdef0'] }, etcd: { endpoints: ['http://127.0.0.1:2379'] } }] })),
    );
    const env = {
      CRONSNAP_BUCKET: 'bench-backups',
      CRONSNAP_KMS_KEY_ID: 'alias/bench',
      CRONSNAP_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:bench',
      CRONSNAP_DOCUMENT_PREFIX: 'cronsnap',
      CRONSNAP_COMMAND_LOG_GROUP: '/cronsnap/Cronsnap/commands',
      CRONSNAP_CONFIG_FILE: config,
      CRONSNAP_REPORTS_BUCKET: 'bench-reports',
      AWS_REGION: 'eu-central-1',
      // The runtime's SDK, here the repo's copy.
      NODE_PATH: join(__dirname, '..', 'node_modules'),
    };
    const results: BenchResult[] = [];
    for (const name of readdirSync(FUNCTIONS_DIR).sort()) {
      const outfile = join(dir, `${name}.js`);
      await build({
        entryPoints: [join(FUNCTIONS_DIR, name, 'handler.ts')],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        external: ['@aws-sdk/*'],
        outfile,
        logLevel: 'error',
      });
      const bytes = statSync(outfile).size;
      const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(outfile)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
      const initMs = Number((await run(process.execPath, ['-e', script], env)).trim());
      results.push({ name: `bundle ${name} / 500 KB`, ratio: bytes / TARGET_BYTES, detail: `${Math.round(bytes / 1024)} KB minified, module init ${initMs.toFixed(0)} ms` });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
