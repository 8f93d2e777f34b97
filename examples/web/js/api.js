// The API over fetch: JSON in and out, the bearer token, one refresh on a 401.
// Tokens live in sessionStorage: a reload keeps the session, closing the tab ends it.

const STORE = "socialflow.session";
// Where the API is: this page's own origin (served by the platform at /web/).
// A page served from elsewhere names the API's origin here (and is in its cors_origins).
export const ORIGIN = location.origin;
export const API = "/api/v1";

/** The absolute URL of an API path ("/uploads/" -> ".../api/v1/uploads/"). */
export function apiUrl(path) {
  return new URL(API + path, ORIGIN);
}

/** An API error: the RFC 9457 problem the server answered with. */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export class Api {
  constructor() {
    this.tokens = JSON.parse(sessionStorage.getItem(STORE) || "null");
    this.refreshing = null;
    this.onSignedOut = () => {};
  }

  get signedIn() {
    return Boolean(this.tokens);
  }

  get accessToken() {
    return this.tokens?.access_token;
  }

  keep(pair) {
    this.tokens = pair && { access_token: pair.access_token, refresh_token: pair.refresh_token };
    if (this.tokens) sessionStorage.setItem(STORE, JSON.stringify(this.tokens));
    else sessionStorage.removeItem(STORE);
  }

  async signIn(usernameOrEmail, password) {
    const pair = await this.request("POST", "/auth/login", {
      body: { username_or_email: usernameOrEmail, password },
      anonymous: true,
    });
    this.keep(pair);
  }

  async register(username, email, password) {
    await this.request("POST", "/auth/register", {
      body: { username, email, password },
      anonymous: true,
    });
    await this.signIn(username, password);
  }

  async signOut() {
    const refresh = this.tokens?.refresh_token;
    try {
      if (refresh) await this.request("POST", "/auth/logout", { body: { refresh_token: refresh } });
    } finally {
      this.keep(null);
      this.onSignedOut();
    }
  }

  /** A fresh access token from the refresh token (one refresh at a time: tokens rotate). */
  refresh() {
    if (!this.refreshing) {
      const refresh_token = this.tokens?.refresh_token;
      this.refreshing = this.request("POST", "/auth/refresh", { body: { refresh_token }, anonymous: true })
        .then((pair) => this.keep(pair))
        .catch((error) => {
          this.keep(null);
          this.onSignedOut();
          throw error;
        })
        .finally(() => (this.refreshing = null));
    }
    return this.refreshing;
  }

  async request(method, path, { body, query, anonymous = false, retried = false } = {}) {
    const url = apiUrl(path);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, value);
    }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (!anonymous && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && !anonymous && !retried && this.tokens) {
      await this.refresh();
      return this.request(method, path, { body, query, anonymous, retried: true });
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ProblemError(response.status, data);
    return data;
  }
}
