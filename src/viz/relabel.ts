/**
 * Prometheus relabelling (`relabel_configs`) for the actions Linkerd-viz's scrape job uses: keep,
 * drop, replace, labelmap and labeldrop, with Prometheus' defaults (separator `;`, regex `(.*)`,
 * replacement `$1`) and fully anchored regexes. The embedded metrics API runs the very rules
 * prometheus-config.ts hands to Prometheus, so both label a proxy's series alike.
 *
 * Contract: returns the new label set, or undefined when a keep/drop rule drops the target; a
 * rule with an action it does not know throws RelabelError (a configuration error, not data).
 */

export class RelabelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelabelError';
  }
}

export type Labels = Readonly<Record<string, string>>;

interface Rule {
  readonly action: string;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly regex: RegExp;
  readonly targetLabel: string | undefined;
  readonly replacement: string;
}

function ruleOf(config: Readonly<Record<string, unknown>>): Rule {
  const text = (key: string): string | undefined => (typeof config[key] === 'string' ? config[key] : undefined);
  const sources = config.source_labels;
  return {
    action: text('action') ?? 'replace',
    sourceLabels: Array.isArray(sources) ? sources.map(String) : [],
    separator: text('separator') ?? ';',
    regex: new RegExp(`^(?:${text('regex') ?? '(.*)'})$`),
    targetLabel: text('target_label'),
    replacement: text('replacement') ?? '$1',
  };
}

/** Go's regexp Expand for `$1`, `${1}` and `$name`; unknown groups expand to ''. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_whole, token: string, braced: string | undefined, bare: string | undefined) => {
    if (token === '$') return '$';
    const name = braced ?? bare ?? '';
    const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return value ?? '';
  });
}

function apply(rule: Rule, labels: Record<string, string>): Record<string, string> | undefined {
  const value = rule.sourceLabels.map((name) => labels[name] ?? '').join(rule.separator);
  switch (rule.action) {
    case 'keep': return rule.regex.test(value) ? labels : undefined;
    case 'drop': return rule.regex.test(value) ? undefined : labels;
    case 'replace': {
      const match = rule.regex.exec(value);
      if (match === null || rule.targetLabel === undefined) return labels;
      const target = expand(rule.targetLabel, match);
      const replaced = expand(rule.replacement, match);
      if (replaced === '') {
        return Object.fromEntries(Object.entries(labels).filter(([name]) => name !== target));
      }
      return { ...labels, [target]: replaced };
    }
    case 'labelmap': {
      const out = { ...labels };
      for (const [name, labelValue] of Object.entries(labels)) {
        const match = rule.regex.exec(name);
        if (match !== null) out[expand(rule.replacement, match)] = labelValue;
      }
      return out;
    }
    case 'labeldrop':
      return Object.fromEntries(Object.entries(labels).filter(([name]) => !rule.regex.test(name)));
    case 'labelkeep':
      return Object.fromEntries(Object.entries(labels).filter(([name]) => rule.regex.test(name)));
    default:
      throw new RelabelError(`relabel action ${JSON.stringify(rule.action)} is not supported`);
  }
}

export function relabel(labels: Labels, configs: readonly Readonly<Record<string, unknown>>[]): Record<string, string> | undefined {
  let current: Record<string, string> | undefined = { ...labels };
  for (const config of configs) {
    current = apply(ruleOf(config), current);
    if (current === undefined) return undefined;
  }
  return current;
}
