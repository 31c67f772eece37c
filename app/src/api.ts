// The JSON API from the browser: one fetch helper that turns `{"error":{code,message}}` bodies into
// ApiFailure, and the organiser's login kept in localStorage.

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; token?: string | null; body?: unknown } = {},
): Promise<T> {
  // Routes that can answer in more than one form (the mosaic: a redirect or its description) answer JSON here.
  const headers: Record<string, string> = { Accept: "application/json" };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiFailure(0, "network", "the server could not be reached");
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiFailure(res.status, err?.code ?? "http_" + res.status, err?.message ?? res.statusText);
  }
  return body as T;
}

export type Login = { token: string; userId: string; name: string };
const LOGIN_KEY = "simulshot.login";

export const session = {
  get(): Login | null {
    try {
      const v = JSON.parse(localStorage.getItem(LOGIN_KEY) ?? "null") as Login | null;
      return v && typeof v.token === "string" ? v : null;
    } catch {
      return null;
    }
  },
  set(login: Login): void {
    localStorage.setItem(LOGIN_KEY, JSON.stringify(login));
  },
  clear(): void {
    localStorage.removeItem(LOGIN_KEY);
  },
};
