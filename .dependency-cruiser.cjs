/**
 * The layering of lib/ (docs/architecture.md says why): each folder stands on those below it, and
 * nothing below reaches up. `npm run layering` checks it; the unit tests run it too.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const LEAF = '^lib/[^/]+\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-module-cycles',
      comment: 'A module that needs what needs it cannot be read, tested or moved alone.',
      severity: 'error',
      from: { path: '^(lib|functions|infra)/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Two folders of lib/ that import each other are one layer in two places: move the shared piece down.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { path: '^lib/', circular: true },
    },
    {
      name: 'leaves-stand-alone',
      comment: 'The files at the top of lib/ (errors, times, sizes, escaping) are leaves every layer uses: they import only each other.',
      severity: 'error',
      from: { path: LEAF },
      to: { path: '^lib/', pathNot: LEAF },
    },
    {
      name: 'ports-are-interfaces',
      comment: 'ports/ holds the interfaces of the outside world and the types they carry: it imports nothing of cronsnap.',
      severity: 'error',
      from: { path: '^lib/ports/' },
      to: { path: '^lib/', pathNot: '^lib/ports/' },
    },
    {
      name: 'catalog-is-the-floor',
      comment: "catalog/ is the bucket's format (layout, manifests, run ids, reading the catalog): it stands on the ports and the leaves only.",
      severity: 'error',
      from: { path: '^lib/catalog/' },
      to: { path: '^lib/', pathNot: [`^lib/(catalog|ports)/`, LEAF] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdk\\.out|\\.tmp)/' },
    // Type-only imports are dependencies too: a layer that names a type of the one above it is tied to it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
