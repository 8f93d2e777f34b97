// A thin wrapper: openapi-fetch typed by the generated schema (src/schema.d.ts).
import createClient, { type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];

/** A client of the socialflow API at `baseUrl` (e.g. "https://api.example.com"),
 * sending `Authorization: Bearer <token>` when a token is given. */
export function createSocialflowClient(
  baseUrl: string,
  token?: string,
  options: Omit<ClientOptions, "baseUrl"> = {},
) {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return createClient<paths>({ ...options, baseUrl, headers });
}

export type SocialflowClient = ReturnType<typeof createSocialflowClient>;
