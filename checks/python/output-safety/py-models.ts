/**
 * ORM models and DRF model serializers declared in a Python file, read once
 * per file: which fields a model has (Django `models.X(...)`, SQLAlchemy
 * `Column` / `mapped_column`, SQLModel / Pydantic annotations), and what a
 * `ModelSerializer`'s `Meta` exposes and lets the caller write. Shared by
 * mass assignment (input.schema) and sensitive fields (output.fields).
 */
import { isSecretField, isSensitiveModel } from '../../output-safety/sensitive-data.js';
import { baseClassNames, bodyOf, childByField, classAttribute, classesByName, definitionName, dictEntries, expressionPath, lastSegment, nodeFact, plainCalleePath, sequenceElements, stringValue } from '../../lang/py/queries.js';
import { ScopedFacts } from '../../lang/py/scoped-facts.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';

export interface PyModel {
  name: string;
  node: PyNode;
  fields: string[];
}

export interface PySerializer {
  name: string;
  node: PyNode;
  /** `Meta.model`, as written. */
  model?: string;
  /** 'all' for `fields = "__all__"`; the listed names otherwise; undefined when not a ModelSerializer with fields. */
  fields?: 'all' | string[];
  fieldsNode?: PyNode;
  exclude: string[];
  readOnly: string[];
  writeOnly: string[];
  /** Fields declared on the serializer itself (`password = serializers.CharField(write_only=True)`). */
  declared: Map<string, { writeOnly: boolean; node: PyNode }>;
}

const ORM_BASE = /^(?:models\.Model|Model|db\.Model|Base|DeclarativeBase|SQLModel|Document|AbstractUser|AbstractBaseUser|User|AbstractUser)$/;
/** Fields the caller must never set: roles, flags, owners, balances. */
export const PRIVILEGED_FIELD = /^(?:role|roles|is_admin|is_staff|is_superuser|is_active|is_verified|email_verified|verified|admin|superuser|owner|owner_id|user|user_id|balance|credits|permissions|groups|user_permissions|scopes|plan|tier|tenant|tenant_id|org|org_id|organization|organization_id|approved|password|password_hash|hashed_password)$/;
const PRIVILEGED_MODEL = /user|account|member|admin|customer|profile|employee|wallet|subscription|staff|tenant|organi[sz]ation/i;

/** ORM model classes of the file by name, with their field names. */
export function ormModels(index: PySourceIndex): Map<string, PyModel> {
  return index.memo('py:ormModels', () => {
    const models = new Map<string, PyModel>();
    for (const [name, cls] of classesByName(index)) {
      const bases = baseClassNames(cls);
      const table = index.textOf(childByField(cls, 'superclasses') ?? cls).includes('table=True');
      if (!bases.some((base) => ORM_BASE.test(base) || ORM_BASE.test(lastSegment(base))) || (bases.includes('SQLModel') && !table)) continue;
      models.set(name, { name, node: cls, fields: classFields(cls) });
    }
    return models;
  });
}

/** Names assigned or annotated in a class body. */
function classFields(cls: PyNode): string[] {
  const fields: string[] = [];
  for (const statement of bodyOf(cls)?.children ?? []) {
    const assignment = statement.type === 'expression_statement' ? statement.children[0] : undefined;
    const left = assignment?.type === 'assignment' ? childByField(assignment, 'left') : undefined;
    if (left?.type === 'identifier' && !left.name!.startsWith('__')) fields.push(left.name!);
  }
  return fields;
}

/** Whether records of `model` carry secrets: a secret-named field in the file's definition, or a user-like name. */
export function isSensitiveRecord(index: PySourceIndex, model: string): { sensitive: boolean; field?: string } {
  const definition = ormModels(index).get(model);
  const field = definition?.fields.find(isSecretField);
  if (field !== undefined) return { sensitive: true, field };
  if (definition !== undefined && definition.fields.length > 0) return { sensitive: false };
  return { sensitive: isSensitiveModel(model) || /User$/.test(model) };
}

/** Whether writing any field of `model` can raise the caller's privileges; the field that shows it, when known. */
export function privilegedFieldOf(index: PySourceIndex, model: string): { privileged: boolean; field?: string } {
  const definition = ormModels(index).get(model);
  const field = definition?.fields.find((name) => PRIVILEGED_FIELD.test(name));
  if (field !== undefined) return { privileged: true, field };
  return { privileged: PRIVILEGED_MODEL.test(model) || (definition?.fields ?? []).length === 0 && /^(?:User|Account)$/.test(model) };
}

/** DRF serializers of the file (classes whose base ends in `Serializer`), by name. */
export function serializers(index: PySourceIndex): Map<string, PySerializer> {
  return index.memo('py:serializers', () => {
    const found = new Map<string, PySerializer>();
    for (const [name, cls] of classesByName(index)) {
      if (!baseClassNames(cls).some((base) => /Serializer$/.test(base))) continue;
      const meta = (bodyOf(cls)?.children ?? []).map((statement) => (statement.type === 'class_definition' ? statement : undefined)).find((inner) => inner !== undefined && definitionName(inner) === 'Meta');
      const strings = (node: PyNode | undefined): string[] => (sequenceElements(node) ?? []).map((element) => stringValue(element, index)).filter((value): value is string => value !== undefined);
      const declared = new Map<string, { writeOnly: boolean; node: PyNode }>();
      for (const statement of bodyOf(cls)?.children ?? []) {
        const assignment = statement.type === 'expression_statement' ? statement.children[0] : undefined;
        const left = assignment?.type === 'assignment' ? childByField(assignment, 'left') : undefined;
        const right = assignment?.type === 'assignment' ? childByField(assignment, 'right') : undefined;
        if (left?.type === 'identifier' && right?.type === 'call') declared.set(left.name!, { writeOnly: /write_only\s*=\s*True/.test(index.textOf(right)), node: assignment! });
      }
      const serializer: PySerializer = { name, node: cls, exclude: [], readOnly: [], writeOnly: [], declared };
      if (meta !== undefined) {
        const model = classAttribute(meta, 'model');
        if (model !== undefined) serializer.model = lastSegment(expressionPath(model.value, false));
        const fields = classAttribute(meta, 'fields');
        if (fields !== undefined) {
          serializer.fields = stringValue(fields.value, index) === '__all__' ? 'all' : strings(fields.value);
          serializer.fieldsNode = fields.node;
        }
        const exclude = classAttribute(meta, 'exclude');
        if (exclude !== undefined) {
          serializer.exclude = strings(exclude.value);
          serializer.fields ??= 'all';
          serializer.fieldsNode ??= exclude.node;
        }
        serializer.readOnly = strings(classAttribute(meta, 'read_only_fields')?.value);
        for (const entry of dictEntries(classAttribute(meta, 'extra_kwargs')?.value, index) ?? []) {
          if (/['"]write_only['"]\s*:\s*True/.test(index.textOf(entry.value))) serializer.writeOnly.push(entry.key);
          if (/['"]read_only['"]\s*:\s*True/.test(index.textOf(entry.value))) serializer.readOnly.push(entry.key);
        }
      }
      for (const [field, info] of declared) if (info.writeOnly) serializer.writeOnly.push(field);
      found.set(name, serializer);
    }
    return found;
  });
}

/** The fields a serializer sends out: every model field for `__all__` (minus `exclude`), minus write-only ones. */
export function exposedFields(index: PySourceIndex, serializer: PySerializer): string[] | undefined {
  let fields: string[] | undefined;
  if (serializer.fields === 'all') {
    const model = serializer.model === undefined ? undefined : ormModels(index).get(serializer.model);
    if (model === undefined) return undefined;
    fields = model.fields.filter((field) => !serializer.exclude.includes(field));
  } else fields = serializer.fields;
  if (fields === undefined) return undefined;
  return [...fields, ...serializer.declared.keys()].filter((field) => !serializer.writeOnly.includes(field));
}

/** The serializer classes an endpoint uses: the view's `serializer_class`, and serializers it calls. */
export function serializersUsed(index: PySourceIndex, viewClass: PyNode | undefined, scopes: readonly { pos: number; end: number }[]): readonly { serializer: PySerializer; node: PyNode }[] {
  // Several checks ask for every endpoint, and a ViewSet's actions share class and code: answered once per class and scopes.
  return SERIALIZERS_USED.get(index, scopes, () => findSerializersUsed(index, viewClass, scopes), viewClass);
}

const SERIALIZERS_USED = new ScopedFacts<readonly { serializer: PySerializer; node: PyNode }[]>('py:serializersUsed');

function findSerializersUsed(index: PySourceIndex, viewClass: PyNode | undefined, scopes: readonly { pos: number; end: number }[]): { serializer: PySerializer; node: PyNode }[] {
  const known = serializers(index);
  const used: { serializer: PySerializer; node: PyNode }[] = [];
  // A file without serializer classes (FastAPI, Flask) uses none of its own.
  if (known.size === 0) return used;
  const attribute = viewClass === undefined ? undefined : classAttribute(viewClass, 'serializer_class');
  if (attribute !== undefined) {
    const serializer = known.get(lastSegment(expressionPath(attribute.value, false)));
    if (serializer !== undefined) used.push({ serializer, node: attribute.node });
  }
  for (const call of index.calls(scopes)) {
    // plainCalleePath is the callee's expression path, memoized on the call (several checks read it).
    const serializer = childByField(call, 'function') === undefined ? undefined : known.get(lastSegment(plainCalleePath(call)));
    if (serializer !== undefined && !used.some((entry) => entry.serializer === serializer)) used.push({ serializer, node: call });
  }
  return used;
}

/** A DRF view whose serializer_class is imported and whose queryset reads a sensitive model. */
export function importedSerializer(endpoint: { index: PySourceIndex; viewClass?: PyNode }): ImportedSerializer | undefined {
  const view = endpoint.viewClass;
  if (view === undefined) return undefined;
  // A fact of the view class: read once for all its actions (both checks ask for each).
  return nodeFact(view, endpoint.index, 'py:importedSerializer', () => findImportedSerializer(endpoint.index, view));
}

type ImportedSerializer = { serializer: string; model: string; node: PyNode };

function findImportedSerializer(index: PySourceIndex, view: PyNode): ImportedSerializer | undefined {
  const attribute = classAttribute(view, 'serializer_class');
  if (attribute === undefined) return undefined;
  const serializer = lastSegment(expressionPath(attribute.value, false));
  if (serializers(index).has(serializer)) return undefined;
  const queryset = classAttribute(view, 'queryset');
  const model = (queryset === undefined ? undefined : /\b([A-Z]\w*)\.objects\b/.exec(index.textOf(queryset.value))?.[1]) ?? serializer.replace(/Serializer$/, '');
  return isSensitiveRecord(index, model).sensitive ? { serializer, model, node: attribute.node } : undefined;
}

