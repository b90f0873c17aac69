/* summary: rtnetlink and ethtool requests for building lab networks: veth, bridge, addresses, neighbours, link state, offloads. */
#ifndef TCPLAB_ENGINE_NETLINK_H
#define TCPLAB_ENGINE_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: a struct netlink is an rtnetlink socket plus an AF_INET datagram socket for
 * ioctls, both created in the network namespace of the calling thread at netlink_new() and
 * bound to it for their whole life, whatever namespace the thread later moves to. Every
 * request below acts on that namespace, waits for the kernel's answer and returns 0, or a
 * negative errno with a message in errbuf ("cannot create veth 'eth0': operation not
 * permitted"). Names are interface names in that namespace. Not thread-safe: one user at
 * a time. Holding a struct netlink keeps its namespace alive.
 */
struct netlink;

struct netlink *netlink_new(char *errbuf, size_t errlen);
void netlink_free(struct netlink *nl);

/* Interface index of 'name', or a negative errno (-ENODEV). */
int netlink_ifindex(struct netlink *nl, const char *name);

/* A veth pair: 'name' here, 'peer' in the namespace of peer_netns_fd (-1: here too). */
int netlink_veth_add(struct netlink *nl, const char *name, const char *peer, int peer_netns_fd,
                     char *errbuf, size_t errlen);
/* A bridge with STP off, so ports forward as soon as they are up. */
int netlink_bridge_add(struct netlink *nl, const char *name, char *errbuf, size_t errlen);
/* bridge NULL: take the port out of its bridge ('ip link set PORT nomaster'). */
int netlink_set_master(struct netlink *nl, const char *port, const char *bridge,
                       char *errbuf, size_t errlen);
/* Administrative state (IFF_UP), as 'ip link set NAME up|down'. */
int netlink_set_up(struct netlink *nl, const char *name, bool up, char *errbuf, size_t errlen);
/* Adds, or replaces if present, an IPv4 address with its prefix length. */
int netlink_addr_add(struct netlink *nl, const char *name, struct in_addr addr, int prefixlen,
                     char *errbuf, size_t errlen);
/* A permanent neighbour entry: no ARP on the wire, and it survives loss of carrier. */
int netlink_neigh_set(struct netlink *nl, const char *name, struct in_addr addr,
                      const uint8_t mac[6], char *errbuf, size_t errlen);
int netlink_mac(struct netlink *nl, const char *name, uint8_t mac[6], char *errbuf, size_t errlen);

/* Waits up to timeout_ms for the operational state of 'name' to be UP (up=true), or
 * anything but UP (up=false), by link notifications, not by polling. The kernel's link
 * watch sets this state after acting on a carrier change (and, for UP, after activating
 * the device's queue), so it tells when a carrier change has really taken effect. */
int netlink_wait_oper(struct netlink *nl, const char *name, bool up, int timeout_ms,
                      char *errbuf, size_t errlen);

/* Turns off tx checksumming, scatter-gather, TSO, GSO and GRO on 'name' (SIOCETHTOOL), so
 * a capture sees wire-sized frames with real checksums. */
int netlink_offloads_off(struct netlink *nl, const char *name, char *errbuf, size_t errlen);
/* Reads one legacy ethtool value (ETHTOOL_GTXCSUM, ETHTOOL_GTSO, ...) into *value. */
int netlink_ethtool_get(struct netlink *nl, const char *name, uint32_t cmd, uint32_t *value,
                        char *errbuf, size_t errlen);

#endif
