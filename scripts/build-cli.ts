/**
 * `npm pack` runs this (prepack): the CLI as plain JavaScript with its dependencies in it,
 * so an install needs no devDependencies, no registry beyond the tarball and no TypeScript at run
 * time; the host programs beside it, where lib/ssm/command-document.ts reads them.
 */
import { build } from 'esbuild';
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  const outdir = join(dist, 'cli');
  await build({
    entryPoints: { cronsnap: join(root, 'lib', 'cli', 'main.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // The AWS SDK and the local stand-ins go to chunks of their own, read only by commands that call them.
    splitting: true,
    // Beside the entry: every file finds the host programs at ../host-scripts.
    chunkNames: '[name]-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // ES modules have neither `require` (which bundled CommonJS packages call) nor `__dirname`
    // (which finds the host programs): each file gets its own.
    banner: {
      js: [
        "import { createRequire as __cronsnapRequire } from 'node:module';",
        "import { dirname as __cronsnapDirname } from 'node:path';",
        "import { fileURLToPath as __cronsnapPath } from 'node:url';",
        'const require = __cronsnapRequire(import.meta.url);',
        'const __filename = __cronsnapPath(import.meta.url);',
        'const __dirname = __cronsnapDirname(__filename);',
      ].join('\n'),
    },
    // Less for node to read at every start; the chunks' size is the SDK's, not ours.
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const entry = join(outdir, 'cronsnap.mjs');
  writeFileSync(entry, `#!/usr/bin/env node\n${readFileSync(entry, 'utf8')}`);
  chmodSync(entry, 0o755);
  cpSync(join(root, 'lib', 'host-scripts'), join(dist, 'host-scripts'), { recursive: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
