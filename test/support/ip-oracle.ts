/**
 * Reading `ip -j addr show` as a test oracle for "the kernel did not change".
 *
 * IPv6 duplicate address detection (RFC 4862) changes an address by itself: it is `tentative`
 * (or `optimistic`) for about a second after its link comes up, then the flag goes away. A
 * snapshot taken before and after an unrelated call would differ whenever a link came up just
 * before — on a loaded machine, most of the time. So those two flags, and only those, are
 * dropped. A DAD *result* (`dadfailed`) is kept, as is every address, prefix, scope, label,
 * lifetime and every other flag, so a real change still shows.
 */

/** Flags of an address still being checked by DAD; they clear without anyone acting. */
export const DAD_IN_PROGRESS = ['tentative', 'optimistic'] as const;

interface IpLink {
  addr_info?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** settledAddresses: the parsed `ip -j addr show` with the DAD-in-progress flags removed. */
export function settledAddresses(json: string): IpLink[] {
  const links = JSON.parse(json) as IpLink[];
  return links.map((l) => ({
    ...l,
    ...(l.addr_info
      ? {
          addr_info: l.addr_info.map((a) => {
            const copy = { ...a };
            for (const f of DAD_IN_PROGRESS) delete copy[f];
            return copy;
          }),
        }
      : {}),
  }));
}
