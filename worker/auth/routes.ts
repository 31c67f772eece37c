// POST /api/login: an organiser gets a signed bearer token (no accounts: the token is the identity).
import { Hono } from "hono";
import { LIMITS, ErrorCode, isSafeText } from "../../shared/protocol.ts";
import { jsonBody, type AppEnv } from "../app-env.ts";
import { HttpError } from "../http-error.ts";
import { sameSecret } from "./same-secret.ts";
import { requireSecret } from "./secret.ts";
import { limitPerIp } from "../rate-limits.ts";
import { randomId, signToken } from "./token.ts";

export const LOGIN_TTL_MS = 7 * 24 * 3600_000;

export const authRoutes = new Hono<AppEnv>().post("/login", async (c) => {
  await limitPerIp(c, "login");
  const secret = requireSecret(c.var.platform);
  const body = await jsonBody(c);
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (!name || name.length > LIMITS.maxNameLength)
    throw new HttpError(400, ErrorCode.BadName, `name must be 1–${LIMITS.maxNameLength} characters`);
  if (!isSafeText(name))
    throw new HttpError(400, ErrorCode.BadName, "names may not hold control or bidirectional-override characters");
  const { organizerKey } = c.var.platform;
  const key = typeof body.key === "string" ? body.key : "";
  if (organizerKey && !(await sameSecret(key, organizerKey)))
    throw new HttpError(403, ErrorCode.BadKey, "a valid organiser key is required");
  const userId = randomId();
  const token = await signToken({ k: "login", sub: userId, name, exp: Date.now() + LOGIN_TTL_MS }, secret);
  return c.json({ token, userId });
});
