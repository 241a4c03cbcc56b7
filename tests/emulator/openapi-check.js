'use strict';
// Small OpenAPI 3.0 schema checker for the emulator conformance tests (no dependencies).
//
// validate(schema, value, doc, opts) -> array of error strings ([] = valid)
//   Supports: $ref inside the same document (#/...), allOf, anyOf/oneOf (at least one branch passes),
//   type (object, array, string, integer, number, boolean), nullable, enum, required, properties,
//   additionalProperties (a schema: extra values are checked against it; `false`: extra properties are
//   ALLOWED unless opts.strictAdditional), items, format date-time / uri (loosely).
// responseSpec(doc, specPath, method, status) -> {schema?, example?, described:boolean}
// matchSpecPath(doc, actualPath) -> the spec's templated path (e.g. /rest/agile/1.0/sprint/{sprintId}) or null
// schemaFromExample(example) -> a loose schema (types of the example's fields, nothing required)
// checkResponse(doc, {path, method, status, body}, {fallback, strictAdditional}) ->
//   {specPath, checkedWith: 'schema'|'example'|'fallback'|'none', errors}

const fs = require('node:fs');

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

function loadSpec(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function resolveRef(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node == null || !(part in node)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[part];
  }
  return node;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function validate(schema, value, doc, opts = {}, at = '$', depth = 0) {
  const errors = [];
  if (schema == null || schema === true) return errors;
  if (depth > 60) return errors; // recursive schemas: stop quietly
  if (schema.$ref) return validate(resolveRef(doc, schema.$ref), value, doc, opts, at, depth + 1);
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf) errors.push(...validate(s, value, doc, opts, at, depth + 1));
  }
  for (const key of ['anyOf', 'oneOf']) {
    if (Array.isArray(schema[key])) {
      const ok = schema[key].some((s) => validate(s, value, doc, opts, at, depth + 1).length === 0);
      if (!ok) errors.push(`${at}: matches no branch of ${key}`);
    }
  }
  if (value === null) {
    if (schema.type && !schema.nullable) errors.push(`${at}: null but not nullable (type ${schema.type})`);
    return errors;
  }
  if (schema.type) {
    const t = typeOf(value);
    const ok = schema.type === t || (schema.type === 'number' && t === 'integer');
    if (!ok) {
      errors.push(`${at}: expected ${schema.type}, got ${t}`);
      return errors;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    errors.push(`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'string' && schema.format === 'date-time' && !DATE_TIME.test(value)) {
    errors.push(`${at}: not a date-time: ${value}`);
  }
  if (typeof value === 'string' && schema.format === 'uri' && !URI.test(value)) {
    errors.push(`${at}: not a uri: ${value}`);
  }
  if (typeOf(value) === 'object') {
    const props = schema.properties || {};
    for (const r of schema.required || []) {
      if (!(r in value)) errors.push(`${at}: missing required property ${r}`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) errors.push(...validate(props[k], v, doc, opts, `${at}.${k}`, depth + 1));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        errors.push(...validate(schema.additionalProperties, v, doc, opts, `${at}.${k}`, depth + 1));
      } else if (schema.additionalProperties === false && opts.strictAdditional && schema.properties) {
        errors.push(`${at}: unexpected property ${k}`);
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => errors.push(...validate(schema.items, v, doc, opts, `${at}[${i}]`, depth + 1)));
  }
  return errors;
}

function schemaFromExample(ex) {
  const t = typeOf(ex);
  if (t === 'null') return {};
  if (t === 'object') {
    const properties = {};
    for (const [k, v] of Object.entries(ex)) properties[k] = schemaFromExample(v);
    return { type: 'object', properties };
  }
  if (t === 'array') return ex.length ? { type: 'array', items: schemaFromExample(ex[0]) } : { type: 'array' };
  if (t === 'integer' || t === 'number') return { type: 'number' };
  return { type: t };
}

function matchSpecPath(doc, actualPath) {
  const p = actualPath.split('?')[0];
  if (doc.paths[p]) return p;
  for (const tpl of Object.keys(doc.paths)) {
    const re = new RegExp('^' + tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$');
    if (re.test(p)) return tpl;
  }
  return null;
}

function responseSpec(doc, specPath, method, status) {
  const op = doc.paths[specPath] && doc.paths[specPath][method.toLowerCase()];
  if (!op) return { described: false, operation: false };
  const r = op.responses[String(status)] || op.responses.default;
  if (!r) return { described: false, operation: true };
  const content = r.content && (r.content['application/json'] || Object.values(r.content)[0]);
  let example;
  if (content && content.example !== undefined) {
    example = content.example;
    if (typeof example === 'string') {
      try { example = JSON.parse(example); } catch { /* keep the string */ }
    }
  }
  return { described: true, operation: true, schema: content && content.schema, example };
}

function checkResponse(doc, { path, method, status, body }, opts = {}) {
  const specPath = matchSpecPath(doc, path);
  if (!specPath) return { specPath: null, checkedWith: 'none', errors: [`no spec path for ${path}`] };
  const rs = responseSpec(doc, specPath, method, status);
  if (!rs.operation) return { specPath, checkedWith: 'none', errors: [`no ${method} operation on ${specPath}`] };
  if (!rs.described) return { specPath, checkedWith: 'none', errors: [`status ${status} not documented for ${method} ${specPath}`] };
  if (rs.schema && Object.keys(rs.schema).length) {
    return { specPath, checkedWith: 'schema', errors: validate(rs.schema, body, doc, opts) };
  }
  if (rs.example !== undefined && typeof rs.example === 'object' && !opts.preferFallback) {
    return { specPath, checkedWith: 'example', errors: validate(schemaFromExample(rs.example), body, doc, opts) };
  }
  if (opts.fallback) {
    return { specPath, checkedWith: 'fallback', errors: validate(opts.fallback.schema, body, opts.fallback.doc || doc, opts) };
  }
  return { specPath, checkedWith: 'none', errors: [] };
}

module.exports = { loadSpec, resolveRef, validate, schemaFromExample, matchSpecPath, responseSpec, checkResponse };
