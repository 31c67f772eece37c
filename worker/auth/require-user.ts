// The auth folder's one check for owner routes: the logged-in organiser from the bearer login token.
import { ErrorCode } from "../../shared/protocol.ts";
import { bearer, type AppContext } from "../app-env.ts";
import { HttpError } from "../http-error.ts";
import { requireSecret } from "./secret.ts";
import { verifyToken, type LoginClaims } from "./token.ts";

/** The logged-in organiser, or 401 bad_token (500 server_misconfigured without a secret). */
export async function requireUser(c: AppContext): Promise<LoginClaims> {
  const secret = requireSecret(c.var.platform);
  const claims = await verifyToken(bearer(c), "login", secret);
  if (!claims) throw new HttpError(401, ErrorCode.BadToken, "login token is invalid or expired");
  return claims;
}
