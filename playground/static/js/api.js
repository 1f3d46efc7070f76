// The JSON API client. Every call resolves to {status, body}; network failures and
// non-JSON answers become {status: 0, body: {error, message}} so callers handle one shape.

export async function post(path, payload, { signal } = {}) {
  return request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal });
}

export async function get(path, { signal } = {}) {
  return request(path, { method: "GET", signal });
}

async function request(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return { status: 0, body: { error: "network", message: `cannot reach the playground server (${err.message})`, diagnostics: [] } };
  }
  try {
    return { status: response.status, body: await response.json() };
  } catch {
    return { status: response.status, body: { error: "bad_response", message: `the server answered ${response.status} without JSON`, diagnostics: [] } };
  }
}
