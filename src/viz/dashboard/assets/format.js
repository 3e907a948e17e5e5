/*
 * How numbers are shown. The cells keep the API's raw value in `data-value`; these functions
 * only decide the text beside it.
 */

/** 0..1 as a percentage with two decimals; '-' without responses. */
export function successRateText(rate) {
  return rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(2)}%`;
}

/** Requests per second with two decimals. */
export function rpsText(rps) {
  return rps === null || rps === undefined ? '-' : rps.toFixed(2);
}

/** Milliseconds: two decimals under 10 ms, one under 100 ms, none above. */
export function latencyText(ms) {
  if (ms === null || ms === undefined) return '-';
  return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
}

export function countText(count) {
  return count === null || count === undefined ? '-' : String(count);
}

/** Linkerd's plural for a type in page addresses: deployment → deployments. */
export function pluralOf(type) {
  return `${type}s`;
}
