/**
 * The node's HTTP API, same origin. Failures become an ApiError carrying the problem+json code
 * and detail (or NETWORK when the node cannot be reached), so pages show what went wrong.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  get<T>(path: string, token?: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', 'the node answered with something other than JSON');
  }
  if (!response.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string };
    throw new ApiError(response.status, p.code ?? `HTTP_${response.status}`, p.detail ?? response.statusText);
  }
  return json as T;
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'the node cannot be reached');
  }
  return parse<T>(response);
}

export const api: ApiClient = {
  get: (path, token) =>
    send(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }),
  post: (path, body) =>
    send(
      path,
      body === undefined
        ? { method: 'POST' }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    ),
};
