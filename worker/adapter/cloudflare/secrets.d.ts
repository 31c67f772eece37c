// The Worker's secrets, both optional: wrangler.toml lists none as required, so `wrangler types` leaves them out.
declare namespace Cloudflare {
  interface Env {
    AUTH_SECRET?: string;
    ORGANIZER_KEY?: string;
  }
}
