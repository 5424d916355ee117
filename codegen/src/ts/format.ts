/**
 * Lays out generated TypeScript consistently, whatever the indentation of the templates that produced it (the
 * bundled ones or a user's): two-space indentation by bracket depth, `case` bodies one level in, `|` union
 * lines one level in, TSDoc continuation lines aligned, trailing spaces removed, at most one blank line in a row
 * and none just inside brackets, one final newline.
 *
 * It understands enough TypeScript to do that safely: brackets inside strings, template literals (with `${}`)
 * and comments are not counted. It never reorders or rewraps code.
 */
export function formatTypeScript(code: string, indentUnit = '  '): string {
  interface Frame {
    readonly isSwitch: boolean;
    inCase: boolean;
    /** 1, or 0 for all but the last of several brackets opened on one line (`create(init: {` indents once). */
    weight: number;
  }
  const frames: Frame[] = [];
  const out: string[] = [];
  let inComment = false;
  /** Open template literals and `${` nesting inside them, carried across lines. */
  const templateStack: number[] = [];

  const indentOf = (labelLine: boolean): string => {
    let n = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      n += f.weight;
      if (f.isSwitch && f.inCase && !(labelLine && i === frames.length - 1)) n += 1;
    }
    return indentUnit.repeat(n);
  };

  for (const raw of code.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') {
      out.push('');
      continue;
    }
    if (inComment) {
      out.push(indentOf(false) + (line.startsWith('*') ? ' ' : '') + line);
      if (line.includes('*/')) inComment = false;
      continue;
    }
    if (templateStack.length > 0 && templateStack[templateStack.length - 1] === 0) {
      // Inside a multi-line template literal: the text is content, keep it verbatim.
      out.push(raw.replace(/\s+$/, ''));
      scan(raw, 0);
      continue;
    }

    // Closing brackets at the start of the line belong to the frames they close.
    let i = 0;
    while (i < line.length && (line[i] === '}' || line[i] === ')' || line[i] === ']')) {
      frames.pop();
      i++;
      while (line[i] === ' ') i++;
      // `} else {`, `});` and the like: only a run of closers counts.
      if (i < line.length && line[i] !== '}' && line[i] !== ')' && line[i] !== ']') break;
    }
    const top = frames[frames.length - 1];
    const isLabel = top !== undefined && top.isSwitch && /^(case\b.*|default)\s*:/.test(line);
    if (isLabel) top.inCase = true;
    let indent = indentOf(isLabel);
    if (line.startsWith('| ')) indent += indentUnit;
    out.push(indent + line);

    if (line.startsWith('/*') && !line.includes('*/')) {
      inComment = true;
      continue;
    }
    const before = frames.length;
    scan(line, i);
    for (let k = before; k < frames.length - 1; k++) frames[k].weight = 0;
  }

  /** Counts brackets from `start` in a line, skipping strings, template text and comments. */
  function scan(line: string, start: number): void {
    let quote: string | undefined;
    for (let p = start; p < line.length; p++) {
      const c = line[p];
      const inTemplateText = templateStack.length > 0 && templateStack[templateStack.length - 1] === 0;
      if (quote !== undefined) {
        if (c === '\\') p++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (inTemplateText) {
        if (c === '\\') p++;
        else if (c === '`') templateStack.pop();
        else if (c === '$' && line[p + 1] === '{') {
          templateStack[templateStack.length - 1] = 1;
          p++;
        }
        continue;
      }
      if (c === "'" || c === '"') {
        quote = c;
      } else if (c === '`') {
        templateStack.push(0);
      } else if (c === '/' && line[p + 1] === '/') {
        return;
      } else if (c === '/' && line[p + 1] === '*') {
        const close = line.indexOf('*/', p + 2);
        if (close < 0) {
          inComment = true;
          return;
        }
        p = close + 1;
      } else if (c === '{' || c === '(' || c === '[') {
        if (templateStack.length > 0 && c === '{') templateStack[templateStack.length - 1]++;
        frames.push({ isSwitch: c === '{' && /^switch\s*\(/.test(line.trim()), inCase: false, weight: 1 });
      } else if (c === '}' || c === ')' || c === ']') {
        if (templateStack.length > 0 && c === '}') {
          const depth = --templateStack[templateStack.length - 1];
          if (depth === 0) continue; // back in the template text: this `}` closed `${`
        }
        frames.pop();
      }
    }
  }

  // Blank lines: none at the start, none just inside brackets, never two in a row.
  const result: string[] = [];
  for (let k = 0; k < out.length; k++) {
    const l = out[k];
    if (l === '') {
      const prev = result[result.length - 1];
      const next = out.slice(k + 1).find((x) => x !== '');
      if (prev === undefined || prev === '' || /[{([]$/.test(prev) || next === undefined || /^\s*[})\]]/.test(next)) continue;
    }
    result.push(l);
  }
  return result.join('\n') + '\n';
}
