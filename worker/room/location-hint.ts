// Maps a request's `cf` geography to a Durable Object location hint, so a room is created near
// its organiser. Outside Cloudflare (local dev, Deno) there is no `cf`, and no hint.

type Cf = { continent?: string; longitude?: string | number };

export function locationHint(request: Request): string | undefined {
  const cf = (request as { cf?: Cf }).cf;
  if (!cf?.continent) return undefined;
  const lon = Number(cf.longitude);
  switch (cf.continent) {
    case "NA":
      return Number.isFinite(lon) && lon < -100 ? "wnam" : "enam";
    case "SA":
      return "sam";
    case "EU":
      return Number.isFinite(lon) && lon > 20 ? "eeur" : "weur";
    case "AS":
      return "apac";
    case "OC":
      return "oc";
    case "AF":
      return "afr";
    default:
      return undefined;
  }
}
