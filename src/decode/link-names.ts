/** Names of the LINKTYPE_* values users meet in FTP captures (tcpdump.org/linktypes.html). */
const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'BSD loopback (NULL)'],
  [1, 'Ethernet'],
  [12, 'raw IP (DLT 12)'],
  [14, 'raw IP (DLT 14)'],
  [101, 'raw IP'],
  [108, 'OpenBSD loopback (LOOP)'],
  [113, 'Linux cooked (SLL)'],
  [228, 'raw IPv4'],
  [229, 'raw IPv6'],
  [276, 'Linux cooked v2 (SLL2)'],
]);

export function linkTypeName(linkType: number): string {
  return LINK_TYPE_NAMES.get(linkType) ?? `link type ${linkType}`;
}
