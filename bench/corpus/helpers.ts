/**
 * File-level helper functions of the kind route files accumulate (DTO
 * mappers, filter builders, CSV export, status tables). They give files
 * their realistic bulk: the analysis walks them, and handlers that call them
 * make discovery follow same-file helpers.
 */
import type { CodeWriter } from './code-writer.js';
import { camelCase } from './naming.js';
import type { Random } from './random.js';
import { publicFields, writableFields, type Resource } from './vocabulary.js';

export interface HelperContext {
  random: Random;
  writer: CodeWriter;
  resource: Resource;
  /** Emit type annotations (TypeScript) or not (plain JavaScript). */
  typed: boolean;
  /** Makes names unique when a helper kind is emitted more than once. */
  suffix: string;
}

type HelperWriter = (context: HelperContext) => void;

function annotate(typed: boolean, annotation: string): string {
  return typed ? annotation : '';
}

/** `toInvoiceDto(row)`: returns the public fields only. */
export function writeDtoMapper({ writer, resource, typed, suffix }: HelperContext): string {
  const name = `to${resource.type}Dto${suffix}`;
  writer.block(`function ${name}(row${annotate(typed, `: ${resource.type}Row`)}) {`, () => {
    writer.block('return {', () => {
      writer.line('id: row.id,');
      for (const field of publicFields(resource)) {
        writer.line(field.tsType === 'Date' ? `${field.name}: row.${field.name}?.toISOString() ?? null,` : `${field.name}: row.${field.name},`);
      }
    }, '};');
  });
  writer.line();
  return name;
}

const writeFilterBuilder: HelperWriter = ({ writer, resource, typed, suffix }) => {
  writer.block(`function build${resource.type}Filters${suffix}(params${annotate(typed, ': URLSearchParams')}) {`, () => {
    writer.line(`const filters${annotate(typed, ': Record<string, unknown>')} = {};`);
    for (const field of writableFields(resource)) {
      writer.line(`const ${field.name} = params.get('${field.name}');`);
      if (field.tsType === 'number') {
        writer.block(`if (${field.name} !== null && !Number.isNaN(Number(${field.name}))) {`, () => {
          writer.line(`filters.${field.name} = Number(${field.name});`);
        });
      } else if (field.tsType === 'boolean') {
        writer.block(`if (${field.name} === 'true' || ${field.name} === 'false') {`, () => {
          writer.line(`filters.${field.name} = ${field.name} === 'true';`);
        });
      } else {
        writer.block(`if (${field.name}) {`, () => writer.line(`filters.${field.name} = ${field.name}.trim();`));
      }
    }
    writer.line('return filters;');
  });
  writer.line();
};

const writeCsvExport: HelperWriter = ({ writer, resource, typed, suffix }) => {
  const fields = publicFields(resource);
  writer.block(`function ${camelCase(resource.plural)}ToCsv${suffix}(rows${annotate(typed, `: ${resource.type}Row[]`)})${annotate(typed, ': string')} {`, () => {
    writer.line(`const header = [${['id', ...fields.map((f) => f.name)].map((n) => `'${n}'`).join(', ')}];`);
    writer.line('const lines = [header.join(\',\')];');
    writer.block('for (const row of rows) {', () => {
      writer.block('const values = [', () => {
        writer.line('row.id,');
        for (const field of fields) writer.line(`String(row.${field.name} ?? ''),`);
      }, '];');
      writer.line("lines.push(values.map((value) => `\"${String(value).replace(/\"/g, '\"\"')}\"`).join(','));");
    });
    writer.line("return lines.join('\\n');");
  });
  writer.line();
};

const writeStatusTable: HelperWriter = ({ random, writer, resource, typed, suffix }) => {
  const states = random.sample(['draft', 'pending', 'active', 'paused', 'archived', 'deleted', 'failed', 'complete', 'review', 'locked'], random.int(4, 9));
  writer.block(`function describe${resource.type}State${suffix}(state${annotate(typed, ': string')})${annotate(typed, ': { label: string; editable: boolean }')} {`, () => {
    writer.block('switch (state) {', () => {
      for (const state of states) {
        writer.line(`case '${state}':`);
        writer.line(`  return { label: '${state[0].toUpperCase()}${state.slice(1)}', editable: ${random.chance(0.5)} };`);
      }
      writer.line('default:');
      writer.line("  return { label: 'Unknown', editable: false };");
    });
  });
  writer.line();
};

const writeTotals: HelperWriter = ({ writer, resource, typed, suffix }) => {
  writer.block(`function summarize${resource.type}s${suffix}(rows${annotate(typed, `: ${resource.type}Row[]`)}) {`, () => {
    writer.line('let newest = 0;');
    writer.line(`const byMonth${annotate(typed, ': Map<string, number>')} = new Map();`);
    writer.block('for (const row of rows) {', () => {
      writer.line('const created = new Date(row.createdAt).getTime();');
      writer.line('if (created > newest) newest = created;');
      writer.line('const month = new Date(row.createdAt).toISOString().slice(0, 7);');
      writer.line('byMonth.set(month, (byMonth.get(month) ?? 0) + 1);');
    });
    writer.block('return {', () => {
      writer.line('count: rows.length,');
      writer.line('newest: newest === 0 ? null : new Date(newest).toISOString(),');
      writer.line('byMonth: Object.fromEntries(byMonth),');
    }, '};');
  });
  writer.line();
};

const writeSlugify: HelperWriter = ({ writer, typed, suffix }) => {
  writer.block(`function slugify${suffix}(value${annotate(typed, ': string')})${annotate(typed, ': string')} {`, () => {
    writer.line('return value');
    writer.line('  .normalize(\'NFKD\')');
    writer.line("  .replace(/[\\u0300-\\u036f]/g, '')");
    writer.line('  .toLowerCase()');
    writer.line("  .replace(/[^a-z0-9]+/g, '-')");
    writer.line("  .replace(/^-+|-+$/g, '')");
    writer.line('  .slice(0, 64);');
  });
  writer.line();
};

const writePagination: HelperWriter = ({ writer, typed, suffix }) => {
  writer.block(`function parsePagination${suffix}(page${annotate(typed, ': string | null | undefined')}, size${annotate(typed, ': string | null | undefined')}) {`, () => {
    writer.line('const pageNumber = Math.max(1, Number.parseInt(page ?? \'1\', 10) || 1);');
    writer.line('const pageSize = Math.min(100, Math.max(1, Number.parseInt(size ?? \'20\', 10) || 20));');
    writer.line('return { pageNumber, pageSize, offset: (pageNumber - 1) * pageSize };');
  });
  writer.line();
};

const writeDiff: HelperWriter = ({ writer, resource, typed, suffix }) => {
  writer.block(
    `function changedFields${suffix}(before${annotate(typed, `: Partial<${resource.type}Row>`)}, after${annotate(typed, `: Partial<${resource.type}Row>`)})${annotate(typed, ': string[]')} {`,
    () => {
      writer.line(`const changed${annotate(typed, ': string[]')} = [];`);
      for (const field of writableFields(resource)) {
        writer.line(`if (before.${field.name} !== after.${field.name}) changed.push('${field.name}');`);
      }
      writer.line('return changed;');
    },
  );
  writer.line();
};

const HELPERS: readonly HelperWriter[] = [writeFilterBuilder, writeCsvExport, writeStatusTable, writeTotals, writeSlugify, writePagination, writeDiff];

/** One helper of a random kind; returns nothing because handlers need not call padding helpers. */
export function writeRandomHelper(context: HelperContext): void {
  context.random.pick(HELPERS)(context);
}

/** `type InvoiceRow = { ... }`: the row shape the typed helpers take. */
export function writeRowType(writer: CodeWriter, resource: Resource): void {
  writer.block(`type ${resource.type}Row = {`, () => {
    writer.line('id: string;');
    writer.line('ownerId: string;');
    for (const field of resource.fields) writer.line(`${field.name}: ${field.tsType};`);
  }, '};');
  writer.line();
}
