/**
 * Kubernetes label selectors (matchLabels and matchExpressions) and how they match labels.
 *
 * An empty selector matches everything, as in Kubernetes; an unknown operator matches nothing
 * (fail closed: a selector Sinew does not understand never selects more than intended).
 */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (!requirementMatches(requirement, have)) return false;
  }
  return true;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    default: return false;
  }
}

/** One `key=value` pair the selector requires, to narrow a lookup through the label index. */
export function requiredPair(selector: LabelSelector): readonly [string, string] | undefined {
  const first = Object.entries(selector.matchLabels ?? {})[0];
  if (first !== undefined) return first;
  for (const requirement of selector.matchExpressions ?? []) {
    const only = requirement.values?.[0];
    if (requirement.operator === 'In' && requirement.values?.length === 1 && only !== undefined) return [requirement.key, only];
  }
  return undefined;
}
