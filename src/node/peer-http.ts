/** Requests from one validator to another's HTTP API, which every genesis lists. */
/** How long a request to another validator's API may take. */
const PEER_TIMEOUT_MS = 3000;

/** POSTs a JSON body to a peer's API path; rejects on any failure. */
export async function postPeerJson(api: string, path: string, body: object): Promise<void> {
  const response = await fetch(new URL(path, api), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
}

/** GETs a JSON answer from a peer's API path: undefined for a 404, rejects on any other failure. */
export async function getPeerJson(api: string, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, api), { signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
  if (response.status === 404) {
    await response.arrayBuffer();
    return undefined;
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}
