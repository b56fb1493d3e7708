/**
 * A small reader for the Bicep constructs the consistency test needs (no Bicep compiler runs offline): the keys of an
 * object variable (`var name = {` ... `}`, one property a line) and the blocks of every resource of one type. It
 * understands strings ('...' with \ escapes and ${...} interpolations, which may hold strings of their own), //
 * comments and nested braces; what it cannot find is an error, never an empty answer.
 */

interface Frame {
  mode: 'string' | 'interpolation';
  depth: number;
}

/** The text with string literals and comments blanked (same length, newlines kept), so braces can be counted. */
export function blankStringsAndComments(text: string): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const blank = (c: string): string => (c === '\n' ? '\n' : ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const top = stack[stack.length - 1];
    if (top?.mode === 'string') {
      if (c === '\\') {
        out.push(' ', blank(text[i + 1] ?? ''));
        i++;
      } else if (c === "'") {
        stack.pop();
        out.push(' ');
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push({ mode: 'interpolation', depth: 0 });
        out.push(' ', ' ');
        i++;
      } else out.push(blank(c));
      continue;
    }
    const inString = top !== undefined;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        out.push(' ');
        i++;
      }
      if (i < text.length) out.push('\n');
    } else if (c === "'") {
      stack.push({ mode: 'string', depth: 0 });
      out.push(' ');
    } else if (top && c === '{') {
      top.depth++;
      out.push(' ');
    } else if (top && c === '}') {
      if (top.depth === 0) stack.pop();
      else top.depth--;
      out.push(' ');
    } else out.push(inString ? blank(c) : c);
  }
  return out.join('');
}

const OPENERS = new Set(['{', '[', '(']);
const CLOSERS = new Set(['}', ']', ')']);

/** From the opener at `open`, the offset of the closer that matches it (strings and comments already blanked). */
function matchingCloser(blank: string, open: number): number {
  let depth = 0;
  for (let i = open; i < blank.length; i++) {
    const c = blank[i] as string;
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c) && --depth === 0) return i;
  }
  throw new Error(`unbalanced brackets from offset ${open}`);
}

/** The keys of `var <name> = { ... }` (an object literal opened at the end of its line; quoted keys unquoted). */
export function objectVariableKeys(text: string, name: string): string[] {
  const declaration = new RegExp(`^var ${name} = \\{[ \\t]*$`, 'm').exec(text);
  if (!declaration) throw new Error(`no "var ${name} = {" (an object literal opened at the end of its line)`);
  const blank = blankStringsAndComments(text);
  const open = declaration.index + declaration[0].lastIndexOf('{');
  const close = matchingCloser(blank, open);
  const keys: string[] = [];
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const c = blank[i] as string;
    // A key starts a line at the object's own level (strings may start lines inside lists: those are deeper).
    if (c === '\n' && depth === 0) {
      const key = /^[ \t]*('(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*)[ \t]*:/.exec(text.slice(i + 1, close));
      if (key?.[1]) keys.push(key[1].startsWith("'") ? key[1].slice(1, -1) : key[1]);
    }
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) depth--;
  }
  if (keys.length === 0) throw new Error(`var ${name} has no keys this reader can see`);
  return keys;
}

/** The text of every `resource <symbol> '<type>@<version>' ... = { ... }` of one type (case-insensitive), in order. */
export function resourceBlocks(text: string, type: string): string[] {
  const blank = blankStringsAndComments(text);
  const blocks: string[] = [];
  const declaration = new RegExp(`^[ \\t]*resource \\w+ '${type.replace(/[/.]/g, '\\$&')}@[^']+'[^\\n]*= (?:if \\(.*\\) )?[[{]`, 'gmi');
  for (let match = declaration.exec(text); match; match = declaration.exec(text)) {
    const open = match.index + match[0].length - 1;
    blocks.push(text.slice(match.index, matchingCloser(blank, open) + 1));
  }
  return blocks;
}
