#!/usr/bin/env node
// Layer check (Perfetto-style allow-list, default deny): every import in src/ — static, `export … from`,
// `import type`, dynamic `import()`, `require()` and `new Worker(new URL(…))` — must be allowed for the
// importing folder, and the pure layers must not reach for host globals (`document`, `window`,
// `globalThis.document`, …). A folder or package that no rule names is refused, so a new folder has to
// be placed in the table below before it can import anything.
//
// Why a script and not only eslint's no-restricted-imports: eslint rules are deny-lists per folder and
// miss dynamic imports and globals reached through `globalThis`; this walks the TypeScript AST once.
//
// Usage: node scripts/check-layers.mjs [--json]   (exit 1 and one line per violation)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/**
 * Layers, most specific first (a file belongs to the first whose prefix matches).
 * - `layers`: which src layers it may import. `typeOnlyLayers`: imports allowed only as `import type`.
 * - `packages`: bare specifiers it may import (`node:` for Node built-ins; a trailing `/*` allows subpaths).
 * - `forbiddenGlobals`: host globals the layer must not touch (bare or via globalThis/self/window).
 */
const HOST_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'process', 'require', 'Buffer'];
const LAYERS = [
  {
    name: 'core/io',
    prefix: 'core/io/',
    layers: ['core/io', 'core'],
    packages: ['node:', 'sql.js'],
    forbiddenGlobals: ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location'],
  },
  {
    name: 'core',
    prefix: 'core/',
    layers: ['core'],
    packages: ['papaparse'],
    forbiddenGlobals: HOST_GLOBALS,
  },
  {
    // The bridge contract: types and pure values (method names, guards) only.
    name: 'shared',
    prefix: 'shared/',
    layers: ['shared'],
    typeOnlyLayers: ['core'],
    packages: [],
    forbiddenGlobals: HOST_GLOBALS,
  },
  {
    name: 'preload',
    prefix: 'preload/',
    layers: ['shared'],
    packages: ['electron'],
    forbiddenGlobals: ['document', 'localStorage', 'sessionStorage'],
  },
  {
    name: 'main',
    prefix: 'main/',
    layers: ['main', 'shared', 'core', 'core/io'],
    packages: ['electron', 'node:'],
    forbiddenGlobals: ['window', 'document', 'localStorage', 'sessionStorage'],
  },
  {
    name: 'server',
    prefix: 'server/',
    layers: ['server', 'shared', 'core', 'core/io'],
    packages: ['node:'],
    forbiddenGlobals: ['window', 'document', 'localStorage', 'sessionStorage'],
  },
  {
    name: 'cli',
    prefix: 'cli/',
    layers: ['cli', 'server', 'shared', 'core', 'core/io'],
    packages: ['node:', 'playwright-core'],
    forbiddenGlobals: ['window', 'document', 'localStorage', 'sessionStorage'],
  },
  {
    name: 'renderer',
    prefix: 'renderer/',
    layers: ['renderer', 'shared', 'core'],
    packages: ['react', 'react-dom', 'react-dom/*', 'react/*', 'pixi.js', 'pixi.js/*', 'uplot', 'uplot/*', 'papaparse'],
    forbiddenGlobals: ['process', 'require', 'Buffer'],
  },
];
/** Calls whose first argument is a function run inside a browser page (playwright-core). */
const PAGE_SIDE_CALLS = ['evaluate', 'evaluateHandle', 'waitForFunction', 'addInitScript', '$eval', '$$eval'];
/** Test files living beside their code may also import the test runner. */
const TEST_PACKAGES = ['vitest'];

function layerOf(fileRel) {
  const p = fileRel.split(sep).join('/');
  return LAYERS.find((l) => p.startsWith(l.prefix));
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function packageAllowed(spec, allowed) {
  if (spec.startsWith('node:')) return allowed.includes('node:');
  return allowed.some((a) => (a.endsWith('/*') ? spec === a.slice(0, -2) || spec.startsWith(a.slice(0, -1)) : spec === a));
}

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'zlib',
  'stream',
  'worker_threads',
  'module',
  'util',
  'events',
  'tty',
  'readline',
  'assert',
  'buffer',
  'process',
  'v8',
  'vm',
  'dns',
  'timers',
]);

/** Every module reference in a source file, with whether it is type-only. */
function moduleRefs(sf) {
  const refs = [];
  const add = (node, spec, typeOnly) => refs.push({ spec, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const arg = node.arguments[0];
      const isDynImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isDynImport || isRequire) && arg) {
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) add(node, arg.text, false);
        else add(node, '<computed>', false);
      }
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.[0] &&
      ts.isStringLiteral(node.arguments[0]) &&
      node.arguments[0].text.startsWith('.')
    ) {
      // new URL('./x.ts', import.meta.url): a module reference bundlers follow (workers).
      add(node, node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** Uses of host globals: bare identifiers that resolve to no local declaration, or globalThis.X / self.X. */
function globalUses(sf, names) {
  const found = [];
  const declared = new Set();
  const collect = (node) => {
    if (
      (ts.isVariableDeclaration(node) ||
        ts.isParameter(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isImportSpecifier(node) ||
        ts.isImportClause(node) ||
        ts.isNamespaceImport(node) ||
        ts.isBindingElement(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      declared.add(node.name.text);
    }
    ts.forEachChild(node, collect);
  };
  collect(sf);
  const visit = (node) => {
    // Functions handed to a browser page (playwright's evaluate/waitForFunction) run in the page, not here.
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      PAGE_SIDE_CALLS.includes(node.expression.name.text)
    ) {
      ts.forEachChild(node.expression, visit);
      node.arguments.slice(1).forEach(visit);
      return;
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      ['globalThis', 'self', 'window'].includes(node.expression.text) &&
      names.includes(node.name.text)
    ) {
      found.push({ name: `${node.expression.text}.${node.name.text}`, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    } else if (
      ts.isElementAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'globalThis' &&
      ts.isStringLiteral(node.argumentExpression) &&
      names.includes(node.argumentExpression.text)
    ) {
      found.push({
        name: `globalThis['${node.argumentExpression.text}']`,
        line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      });
    } else if (ts.isIdentifier(node) && names.includes(node.text) && !declared.has(node.text)) {
      const parent = node.parent;
      const isName =
        parent &&
        ((ts.isPropertyAccessExpression(parent) && parent.name === node) ||
          (ts.isPropertyAssignment(parent) && parent.name === node) ||
          ts.isPropertySignature(parent) ||
          (ts.isPropertyDeclaration(parent) && parent.name === node) ||
          (ts.isMethodDeclaration(parent) && parent.name === node) ||
          ts.isTypeReferenceNode(parent) ||
          ts.isQualifiedName(parent) ||
          ts.isShorthandPropertyAssignment(parent) ||
          (ts.isBindingElement(parent) && parent.propertyName === node) ||
          ts.isLabeledStatement(parent) ||
          ts.isTypeQueryNode(parent));
      if (!isName) found.push({ name: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function resolveRelative(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const cand of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(cand) && statSync(cand).isFile()) return cand;
  }
  return base;
}

export function checkLayers(srcDir = src) {
  const violations = [];
  for (const file of walk(srcDir)) {
    const rel = relative(srcDir, file);
    const layer = layerOf(rel);
    const where = (line) => `src/${rel.split(sep).join('/')}:${line}`;
    if (!layer) {
      violations.push(`${where(1)}: folder is in no layer; add it to scripts/check-layers.mjs before it imports anything`);
      continue;
    }
    const isTest = /\.test\.tsx?$/.test(file);
    const sf = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
      file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    );
    for (const ref of moduleRefs(sf)) {
      if (ref.spec === '<computed>') {
        violations.push(`${where(ref.line)}: computed import()/require() cannot be checked; use a string literal`);
        continue;
      }
      if (ref.spec.startsWith('.')) {
        const target = resolveRelative(file, ref.spec);
        const targetRel = relative(srcDir, target);
        if (targetRel.startsWith('..')) {
          violations.push(`${where(ref.line)}: imports ${ref.spec}, outside src/`);
          continue;
        }
        const targetLayer = layerOf(targetRel);
        const tname = targetLayer ? targetLayer.name : targetRel;
        if (layer.layers.includes(tname)) continue;
        if (ref.typeOnly && (layer.typeOnlyLayers ?? []).includes(tname)) continue;
        const how = (layer.typeOnlyLayers ?? []).includes(tname) ? ' (only `import type` is allowed)' : '';
        violations.push(`${where(ref.line)}: ${layer.name} may not import ${tname} (${ref.spec})${how}`);
        continue;
      }
      const spec = NODE_BUILTINS.has(ref.spec.split('/')[0]) ? `node:${ref.spec}` : ref.spec;
      if (packageAllowed(spec, layer.packages)) continue;
      if (isTest && TEST_PACKAGES.includes(spec)) continue;
      if (ref.typeOnly && !spec.startsWith('node:')) continue; // types from a package cost nothing at run time
      violations.push(`${where(ref.line)}: ${layer.name} may not import '${ref.spec}'`);
    }
    for (const g of globalUses(sf, layer.forbiddenGlobals)) {
      violations.push(`${where(g.line)}: ${layer.name} may not use the host global ${g.name}`);
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = checkLayers();
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(violations)}\n`);
  else for (const v of violations) process.stderr.write(`${v}\n`);
  if (violations.length) {
    process.stderr.write(`check-layers: ${violations.length} layer violation(s); the allow-list is in scripts/check-layers.mjs\n`);
    process.exit(1);
  }
  process.stdout.write('check-layers: every import in src/ is allowed\n');
}
