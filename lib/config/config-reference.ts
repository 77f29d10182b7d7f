import { configJsonSchema } from './config-json-schema';

interface SchemaNode {
  readonly type?: string | string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: unknown[];
  readonly const?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly required?: string[];
  readonly items?: SchemaNode;
  readonly oneOf?: SchemaNode[];
  readonly anyOf?: SchemaNode[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

function typeOf(node: SchemaNode): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  const variants = node.oneOf ?? node.anyOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' \\| ');
  const base = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
  if (base === 'array' && node.items) return `array of ${typeOf(node.items)}`;
  // zod writes Number.MAX_SAFE_INTEGER for "no upper bound".
  const maximum = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  const range = node.minimum !== undefined || maximum !== undefined ? ` ${node.minimum ?? ''}..${maximum ?? ''}` : '';
  return `${base}${range}`;
}

function rows(node: SchemaNode, path: string, required: boolean, out: Map<string, Row>): void {
  // An array's items get a row of their own only when they are objects with fields.
  const scalarItem = path.endsWith('[]') && !node.properties;
  if (path && !scalarItem && !out.has(path)) {
    const description = (node.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    out.set(path, { path, type: typeOf(node), required, defaultValue: node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``, description });
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) rows(child, path ? `${path}.${name}` : name, node.required?.includes(name) ?? false, out);
  const items = node.items;
  if (items) {
    for (const branch of items.oneOf ?? items.anyOf ?? [items]) rows(branch, `${path}[]`, false, out);
  }
}

/** The config reference as a Markdown table, generated from the zod schema (docs/config-reference.md). */
export function configReferenceMarkdown(): string {
  const table = new Map<string, Row>();
  rows(configJsonSchema() as SchemaNode, '', true, table);
  const lines = [...table.values()].map((row) => `| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${row.defaultValue} | ${row.description} |`);
  return [
    '# cronsnap config reference',
    '',
    'Generated from the zod schema in `lib/config` by `npm run schema`; a test fails when it is stale.',
    'Engine-specific blocks (`etcd`, `mysql`, `postgres`, `files`) apply to jobs of that `engine`.',
    '',
    '| field | type | required | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...lines,
    '',
  ].join('\n');
}
