/** A GraphQL response as a client sees it (tests and the benchmark). */
export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  raw: string;
}

/** POSTs one operation to `url` (…/graphql), with `key` as Bearer token when given. */
export async function postGraphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const raw = await response.text();
  const body = JSON.parse(raw) as Omit<GraphqlResponse<T>, 'status' | 'raw'>;
  return { status: response.status, data: body.data, errors: body.errors, raw };
}
