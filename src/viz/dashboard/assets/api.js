/*
 * The dashboard's reads: its own JSON endpoints, which check the query and ask the metrics API.
 * Each function returns the endpoint's address (kept on the table it fills, `data-query`) and
 * the answer.
 */

export class ApiError extends Error {}

/** GETs `/api/v1/<endpoint>?<params>`; throws ApiError with the server's message on a failure. */
export async function getJson(endpoint, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== ''));
  const address = `/api/v1/${endpoint}${query.size > 0 ? `?${query}` : ''}`;
  let response;
  try {
    response = await fetch(address, { headers: { Accept: 'application/json' } });
  } catch (error) {
    throw new ApiError(`the dashboard could not be reached: ${error.message}`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`${address} answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new ApiError(body?.error ?? `${address} answered ${response.status}`);
  return { address, body };
}
