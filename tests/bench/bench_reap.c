/*
 *  OpenVPN -- An application to securely tunnel IP networks
 *             over a single UDP port, with support for SSL/TLS-based
 *             session authentication and key exchange,
 *             packet encryption, packet authentication, and
 *             packet compression.
 *
 *  Copyright (C) 2026 The OpenVPN 2.6 DCO maintenance fork authors
 *
 *  This program is free software; you can redistribute it and/or modify
 *  it under the terms of the GNU General Public License version 2
 *  as published by the Free Software Foundation.
 *
 *  This program is distributed in the hope that it will be useful,
 *  but WITHOUT ANY WARRANTY; without even the implied warranty of
 *  MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 *  GNU General Public License for more details.
 *
 *  You should have received a copy of the GNU General Public License along
 *  with this program; if not, write to the Free Software Foundation, Inc.,
 *  51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA.
 */

/**
 * @file
 * What reaping N DCO clients costs the server, per close path.
 *
 * A UDP server with 2N connected clients (the real multi.c, mudp.c and
 * dco_linux.c; the instances are what multi_create_instance() and
 * multi_connection_established() leave, minus the TLS session) against a
 * fake ovpn-dco v2 module, then N of them are closed on one path while
 * the other N stay (a storm hits part of a server); on shutdown the
 * server has N clients and closes them all:
 *
 *   event      the kernel deleted them; the DEL_PEERs are read by the
 *              event loop (multi_process_io_udp() with DCO_READ)
 *   deferred   the kernel deleted them while a request waited (here a
 *              status dump): the DEL_PEERs arrive in front of its reply
 *   shutdown   multi_uninit() (SIGTERM, SIGHUP)
 *   userspace  the server closes live clients itself (exit-notify, kill,
 *              --inactive): multi_close_instance() per client
 *
 * The fake kernel answers like ovpn-dco v2: a GET_PEER dump entry carries
 * what ovpn_netlink_send_peer() puts in (172 bytes with an IPv4 peer) and
 * a dump datagram holds as many as fit in NLMSG_GOODSIZE (21); a single
 * GET_PEER gets one entry or -ENOENT; a DEL_PEER request removes the
 * peer and multicasts DEL_PEER(USERSPACE).  It counts what openvpn asks
 * and reads: GET_PEER dumps and single requests, dump entries, bytes of
 * netlink data delivered, M_WARN messages.
 *
 * Usage: bench_reap PATH N
 * Prints one line: path n dumps singles entries bytes warnings.  The
 * reap phase alone is the function bench_reap_phase(): run under
 * valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=bench_reap_phase for its instruction count
 * (tests/bench/run.sh).
 *
 * Built by tests/fuzz/build.sh (HARNESS=bench_reap) against any commit of
 * the series from the 7791f535 backport on; BENCH_HAVE_PEER_ID_FIFO is
 * set for trees whose free peer-ids wait in a FIFO (series #39).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "syshead.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#if !defined(ENABLE_DCO) || !defined(TARGET_LINUX)
#error "bench_reap needs a Linux build with --enable-dco"
#endif

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "dco.h"
#include "multi.h"
#include "forward.h"
#include "init.h"
#include "sig.h"
#include "ssl.h"
#include "status.h"
#include "networking.h"

/* multi_process_io_udp() is static: pull in the UDP server itself */
#include "mudp.c"

/* from the fork's "act on notifications parsed during a request" on */
void dco_process_deferred(dco_context_t *dco) __attribute__((weak));

#define FAKE_OVPN_FAMILY    0x22
#define FAKE_MCAST_GROUP    7
#define FAKE_IFINDEX        42
#define BENCH_DEV           "dcobench0"
#define MAX_PEERS           8192
/* what netlink_dump() fills a dump skb to: SKB_WITH_OVERHEAD(PAGE_SIZE) */
#define DUMP_DGRAM_SIZE     3776

struct fake_dgram
{
    struct fake_dgram *next;
    size_t len;
    unsigned char buf[];
};

/** The fake ovpn-dco v2 module and what it counted */
static struct
{
    struct fake_dgram *head, *tail;
    size_t queued;
    struct fake_dgram *pending_head, *pending_tail; /**< for the next request */
    bool peer[MAX_PEERS];
    int mcast_group;
    unsigned char *cur;         /**< dump datagram being filled */
    size_t cur_len;

    unsigned long dumps, singles, entries, bytes, warnings;
} kernel;

static struct context top;
static struct multi_context multi;

/* ------------------------------------------------------------------------ */
/* the fake kernel                                                          */
/* ------------------------------------------------------------------------ */

static void
die(const char *what)
{
    fprintf(stderr, "bench_reap: %s\n", what);
    exit(2);
}

static void
append(struct fake_dgram **head, struct fake_dgram **tail,
       const void *buf, size_t len)
{
    struct fake_dgram *d = malloc(sizeof(*d) + len);
    if (!d)
    {
        die("out of memory");
    }
    d->next = NULL;
    d->len = len;
    memcpy(d->buf, buf, len);
    if (*tail)
    {
        (*tail)->next = d;
    }
    else
    {
        *head = d;
    }
    *tail = d;
}

static void
queue_bytes(const void *buf, size_t len)
{
    append(&kernel.head, &kernel.tail, buf, len);
    kernel.queued++;
}

static void
queue_msg(struct nl_msg *msg)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    queue_bytes(nlh, nlh->nlmsg_len);
    nlmsg_free(msg);
}

/** Add a message to the dump datagram being filled; send it when full */
static void
dump_add(struct nl_msg *msg)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

    if (kernel.cur_len + len > DUMP_DGRAM_SIZE)
    {
        queue_bytes(kernel.cur, kernel.cur_len);
        kernel.cur_len = 0;
    }
    if (!kernel.cur)
    {
        kernel.cur = malloc(DUMP_DGRAM_SIZE);
        if (!kernel.cur)
        {
            die("out of memory");
        }
    }
    memset(kernel.cur + kernel.cur_len, 0, len);
    memcpy(kernel.cur + kernel.cur_len, nlh, nlh->nlmsg_len);
    kernel.cur_len += len;
    nlmsg_free(msg);
}

static void
dump_flush(void)
{
    if (kernel.cur_len)
    {
        queue_bytes(kernel.cur, kernel.cur_len);
        kernel.cur_len = 0;
    }
}

static void
queue_ack(const struct nlmsghdr *req, int error)
{
    struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, 0);
    struct nlmsgerr *e = nlmsg_reserve(msg, sizeof(*e), NLMSG_ALIGNTO);
    e->error = error;
    e->msg = *req;
    nlmsg_hdr(msg)->nlmsg_seq = req->nlmsg_seq;
    queue_msg(msg);
}

static struct nl_msg *
del_peer_msg(uint32_t peer_id, uint8_t reason)
{
    struct nl_msg *msg = nlmsg_alloc();
    genlmsg_put(msg, 0, 0, FAKE_OVPN_FAMILY, 0, 0, OVPN_CMD_DEL_PEER, 0);
    nla_put_u32(msg, OVPN_ATTR_IFINDEX, FAKE_IFINDEX);
    struct nlattr *attr = nla_nest_start(msg, OVPN_ATTR_DEL_PEER | NLA_F_NESTED);
    nla_put_u8(msg, OVPN_DEL_PEER_ATTR_REASON, reason);
    nla_put_u32(msg, OVPN_DEL_PEER_ATTR_PEER_ID, peer_id);
    nla_nest_end(msg, attr);
    return msg;
}

/** One GET_PEER reply entry as ovpn_netlink_send_peer() builds it */
static struct nl_msg *
peer_msg(uint32_t id, int flags, uint32_t seq)
{
    struct nl_msg *msg = nlmsg_alloc();
    genlmsg_put(msg, 0, seq, FAKE_OVPN_FAMILY, 0, flags, OVPN_CMD_GET_PEER, 0);
    struct nlattr *attr = nla_nest_start(msg, OVPN_ATTR_GET_PEER | NLA_F_NESTED);
    struct sockaddr_in remote = {
        .sin_family = AF_INET,
        .sin_port = htons(50000),
        .sin_addr.s_addr = htonl(0xC6120000 | id),
    };
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_PEER_ID, id);
    nla_put(msg, OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE, sizeof(remote), &remote);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_IPV4, htonl(0x0A080000 | id));
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_LOCAL_IP, htonl(0xC0000201));
    nla_put_u16(msg, OVPN_GET_PEER_RESP_ATTR_LOCAL_PORT, htons(1194));
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_INTERVAL, 10);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_TIMEOUT, 60);
    nla_put_u64(msg, OVPN_GET_PEER_RESP_ATTR_VPN_RX_BYTES, 3000000 + id);
    nla_put_u64(msg, OVPN_GET_PEER_RESP_ATTR_VPN_TX_BYTES, 4000000 + id);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_VPN_RX_PACKETS, 3000 + id);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_VPN_TX_PACKETS, 4000 + id);
    nla_put_u64(msg, OVPN_GET_PEER_RESP_ATTR_LINK_RX_BYTES, 1000000 + id);
    nla_put_u64(msg, OVPN_GET_PEER_RESP_ATTR_LINK_TX_BYTES, 2000000 + id);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_LINK_RX_PACKETS, 1000 + id);
    nla_put_u32(msg, OVPN_GET_PEER_RESP_ATTR_LINK_TX_PACKETS, 2000 + id);
    nla_nest_end(msg, attr);
    return msg;
}

static int
fake_kernel_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
                 unsigned char **buf, struct ucred **creds)
{
    (void)sk;
    struct fake_dgram *d = kernel.head;

    memset(nla, 0, sizeof(*nla));
    nla->nl_family = AF_NETLINK;
    if (creds)
    {
        *creds = NULL;
    }
    if (!d)
    {
        return 0;
    }
    kernel.head = d->next;
    if (!kernel.head)
    {
        kernel.tail = NULL;
    }
    kernel.queued--;
    kernel.bytes += d->len;

    *buf = malloc(d->len);
    if (!*buf)
    {
        die("out of memory");
    }
    memcpy(*buf, d->buf, d->len);
    int len = (int)d->len;
    free(d);
    return len;
}

/** The peer-id a request is about, -1 if none */
static int
request_peer_id(const struct nlmsghdr *nlh)
{
    struct genlmsghdr *gnlh = nlmsg_data(nlh);
    struct nlattr *tb[OVPN_ATTR_MAX + 1];
    struct nlattr *nt[OVPN_GET_PEER_ATTR_MAX + OVPN_DEL_PEER_ATTR_MAX + 2];

    if (nla_parse(tb, OVPN_ATTR_MAX, genlmsg_attrdata(gnlh, 0),
                  genlmsg_attrlen(gnlh, 0), NULL))
    {
        return -1;
    }
    if (tb[OVPN_ATTR_GET_PEER]
        && !nla_parse_nested(nt, OVPN_GET_PEER_ATTR_MAX, tb[OVPN_ATTR_GET_PEER], NULL)
        && nt[OVPN_GET_PEER_ATTR_PEER_ID])
    {
        return (int)nla_get_u32(nt[OVPN_GET_PEER_ATTR_PEER_ID]);
    }
    if (tb[OVPN_ATTR_DEL_PEER]
        && !nla_parse_nested(nt, OVPN_DEL_PEER_ATTR_MAX, tb[OVPN_ATTR_DEL_PEER], NULL)
        && nt[OVPN_DEL_PEER_ATTR_PEER_ID])
    {
        return (int)nla_get_u32(nt[OVPN_DEL_PEER_ATTR_PEER_ID]);
    }
    return -1;
}

static void
queue_ctrl_family(const struct nlmsghdr *req)
{
    struct nl_msg *msg = nlmsg_alloc();
    genlmsg_put(msg, 0, req->nlmsg_seq, GENL_ID_CTRL, 0, 0,
                CTRL_CMD_NEWFAMILY, 2);
    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, OVPN_NL_NAME);
    nla_put_u16(msg, CTRL_ATTR_FAMILY_ID, FAKE_OVPN_FAMILY);
    struct nlattr *grps = nla_nest_start(msg, CTRL_ATTR_MCAST_GROUPS);
    struct nlattr *grp = nla_nest_start(msg, 1);
    nla_put_string(msg, CTRL_ATTR_MCAST_GRP_NAME, OVPN_NL_MULTICAST_GROUP_PEERS);
    nla_put_u32(msg, CTRL_ATTR_MCAST_GRP_ID, FAKE_MCAST_GROUP);
    nla_nest_end(msg, grp);
    nla_nest_end(msg, grps);
    queue_msg(msg);
    queue_ack(req, 0);
}

int __real_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg);

/** Instead of sending: the fake kernel queues what ovpn-dco v2 answers */
int
__wrap_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
    nl_complete_msg(sk, msg);

    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    struct genlmsghdr *gnlh = nlmsg_data(nlh);

    if (nlh->nlmsg_type == GENL_ID_CTRL)
    {
        queue_ctrl_family(nlh);
        return (int)nlh->nlmsg_len;
    }

    /* notifications that arrived while this request was in flight */
    while (kernel.pending_head)
    {
        struct fake_dgram *d = kernel.pending_head;
        kernel.pending_head = d->next;
        queue_bytes(d->buf, d->len);
        free(d);
    }
    kernel.pending_tail = NULL;

    int id = request_peer_id(nlh);
    bool known = id >= 0 && id < MAX_PEERS && kernel.peer[id];

    switch (gnlh->cmd)
    {
        case OVPN_CMD_GET_PEER:
            if (nlh->nlmsg_flags & NLM_F_DUMP)
            {
                kernel.dumps++;
                for (int i = 0; i < MAX_PEERS; i++)
                {
                    if (kernel.peer[i])
                    {
                        dump_add(peer_msg(i, NLM_F_MULTI, nlh->nlmsg_seq));
                        kernel.entries++;
                    }
                }
                struct nl_msg *done = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
                int zero = 0;
                nlmsg_append(done, &zero, sizeof(zero), NLMSG_ALIGNTO);
                nlmsg_hdr(done)->nlmsg_seq = nlh->nlmsg_seq;
                dump_add(done);
                dump_flush();
            }
            else
            {
                kernel.singles++;
                if (known)
                {
                    queue_msg(peer_msg(id, 0, nlh->nlmsg_seq));
                    kernel.entries++;
                    queue_ack(nlh, 0);
                }
                else
                {
                    queue_ack(nlh, -ENOENT);
                }
            }
            break;

        case OVPN_CMD_DEL_PEER:
            if (known)
            {
                kernel.peer[id] = false;
                queue_msg(del_peer_msg(id, OVPN_DEL_PEER_REASON_USERSPACE));
            }
            queue_ack(nlh, known ? 0 : -ENOENT);
            break;

        default:
            queue_ack(nlh, known ? 0 : -ENOENT);
            break;
    }
    return (int)nlh->nlmsg_len;
}

int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/** The DCO socket is readable when the fake kernel has queued something */
int
__wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds == 1 && top.c1.tuntap && top.c1.tuntap->dco.nl_sock
        && fds[0].fd == nl_socket_get_fd(top.c1.tuntap->dco.nl_sock))
    {
        fds[0].revents = kernel.head ? POLLIN : 0;
        return kernel.head ? 1 : 0;
    }
    return __real_poll(fds, nfds, timeout);
}

int
__wrap_genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
    (void)sk;
    if (strcmp(name, "nlctrl") == 0)
    {
        return GENL_ID_CTRL;
    }
    return strcmp(name, OVPN_NL_NAME) == 0 ? FAKE_OVPN_FAMILY : -NLE_OBJ_NOTFOUND;
}

int
__wrap_nl_socket_add_membership(struct nl_sock *sk, int group)
{
    (void)sk;
    kernel.mcast_group = group;
    return 0;
}

int
__wrap_net_iface_new(openvpn_net_ctx_t *ctx, const char *iface,
                     const char *type, void *arg)
{
    (void)ctx;
    (void)iface;
    (void)type;
    (void)arg;
    return 0;
}

int
__wrap_net_iface_del(openvpn_net_ctx_t *ctx, const char *iface)
{
    (void)ctx;
    (void)iface;
    return 0;
}

unsigned int __real_if_nametoindex(const char *ifname);

unsigned int
__wrap_if_nametoindex(const char *ifname)
{
    return strcmp(ifname, BENCH_DEV) == 0 ? FAKE_IFINDEX : __real_if_nametoindex(ifname);
}

/** Log output is formatted (as it costs) and dropped; warnings counted */
void
__wrap_x_msg(const unsigned int flags, const char *format, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, format);
    vsnprintf(line, sizeof(line), format, ap);
    va_end(ap);
    if (flags & M_FATAL)
    {
        fprintf(stderr, "bench_reap: fatal: %s\n", line);
        exit(2);
    }
    if (flags & M_WARN)
    {
        kernel.warnings++;
    }
    if (getenv("BENCH_VERBOSE"))
    {
        fprintf(stderr, "%s\n", line);
    }
}

void
__wrap_assert_failed(const char *filename, int line, const char *condition)
{
    fprintf(stderr, "bench_reap: assertion failed at %s:%d (%s)\n", filename,
            line, condition ? condition : "");
    exit(2);
}

/* ------------------------------------------------------------------------ */
/* the server                                                               */
/* ------------------------------------------------------------------------ */

static void
server_init(int max_clients)
{
    init_options(&top.options, true);
    top.options.mode = MODE_SERVER;
    top.options.dev = BENCH_DEV;
    top.options.dev_type = "tun";
    top.options.max_clients = max_clients;
    top.options.tuntap_options.disable_dco = false;
    top.options.ciphername = "AES-256-GCM";
    top.mode = CM_TOP;
    top.gc = gc_new();
    top.c2.gc = gc_new();
    ALLOC_OBJ_CLEAR_GC(top.sig, struct signal_info, &top.gc);
    top.c2.es = env_set_create(NULL);
    top.c2.es_owned = true;

    ALLOC_OBJ_CLEAR(top.c1.tuntap, struct tuntap);
    top.c1.tuntap->type = DEV_TYPE_TUN;
    top.c1.tuntap->actual_name = string_alloc(BENCH_DEV, NULL);
    top.c1.tuntap_owned = true;
    top.multi = &multi;
    if (!ovpn_dco_init(&top))
    {
        die("ovpn_dco_init() failed");
    }
    nl_cb_overwrite_recv(top.c1.tuntap->dco.nl_cb, fake_kernel_recv);
    if (open_tun_dco(top.c1.tuntap, &top.net_ctx, BENCH_DEV) != 0
        || kernel.mcast_group != FAKE_MCAST_GROUP)
    {
        die("cannot register with the fake ovpn-dco module");
    }

    multi_init(&multi, &top, false);
    multi_top_init(&multi, &top);
}

#ifdef BENCH_HAVE_PEER_ID_FIFO
/** Take peer-id \c id out of the FIFO of free peer-ids, the others kept in
 *  order (the bench picks peer-ids, as the fake-kernel tests do) */
static void
take_free_peer_id(struct multi_context *m, int id)
{
    int n = m->n_free_peer_ids;
    bool found = false;

    for (int i = 0; i < n; i++)
    {
        int free_id = m->free_peer_ids[m->free_peer_ids_head];

        m->free_peer_ids_head = (m->free_peer_ids_head + 1) % m->max_peer_ids;
        m->n_free_peer_ids--;
        if (free_id == id && !found)
        {
            found = true;
            continue;
        }
        int tail = (m->free_peer_ids_head + m->n_free_peer_ids) % m->max_peer_ids;
        m->free_peer_ids[tail] = free_id;
        m->n_free_peer_ids++;
    }
    if (!found)
    {
        die("peer-id not in the FIFO of free peer-ids");
    }
}
#endif

/** A connected client with peer-id \c id, its peer installed in the kernel */
static void
server_add_instance(int id)
{
    struct multi_context *m = &multi;
    struct multi_instance *mi;

    ALLOC_OBJ_CLEAR(mi, struct multi_instance);
    mi->gc = gc_new();
    multi_instance_inc_refcount(mi);
    mi->vaddr_handle = -1;
    mi->created = now;

    struct context *c = &mi->context;
    c->mode = CM_CHILD_UDP;
    c->gc = gc_new();
    ALLOC_OBJ_CLEAR_GC(c->sig, struct signal_info, &c->gc);
    c->options = m->top.options;
    options_detach(&c->options);
    c->c1.tuntap = m->top.c1.tuntap;
    c->c2.es = env_set_create(NULL);
    c->c2.es_owned = true;

    struct sockaddr_in *sin = &c->c1.link_socket_addr.actual.dest.addr.in4;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0xC6120000 | (uint32_t)id);
    sin->sin_port = htons(50000);
    ALLOC_OBJ_CLEAR_GC(c->c2.link_socket_info, struct link_socket_info, &c->gc);
    c->c2.link_socket_info->lsa = &c->c1.link_socket_addr;

    struct tls_options to;
    CLEAR(to);
    c->c2.tls_multi = tls_multi_init(&to);
    c->c2.tls_multi->peer_id = id;
    c->c2.tls_multi->dco_peer_id = id;
    c->c2.tls_multi->multi_state = CAS_CONNECT_DONE;

    if (!mroute_extract_openvpn_sockaddr(&mi->real,
                                         &c->c1.link_socket_addr.actual.dest,
                                         true)
        || !hash_add(m->hash, &mi->real, mi, false)
        || !hash_add(m->iter, &mi->real, mi, false))
    {
        die("cannot add an instance");
    }
    mi->did_real_hash = true;
    mi->did_iter = true;
    ++m->n_clients;
    --mi->n_clients_delta;
#ifdef BENCH_HAVE_PEER_ID_FIFO
    take_free_peer_id(m, id);
#endif
    m->instances[id] = mi;
    kernel.peer[id] = true;
}

/** The UDP server loop while the DCO socket is readable */
static void
event_loop(void)
{
    unsigned long budget = kernel.queued * 4 + 16;

    while (kernel.head && budget-- > 0)
    {
        if (dco_process_deferred)
        {
            dco_process_deferred(&top.c1.tuntap->dco);
        }
        multi.top.c2.event_set_status = DCO_READ;
        multi_process_io_udp(&multi);
    }
    if (dco_process_deferred)
    {
        dco_process_deferred(&top.c1.tuntap->dco);
    }
    if (kernel.head)
    {
        die("the event loop did not drain the DCO socket");
    }
}

static void
status_dump(void)
{
    struct status_output *so = status_open(NULL, 0, M_INFO, NULL,
                                           STATUS_OUTPUT_WRITE);
    multi_print_status(&multi, so, 2);
    status_close(so);
}

/** A DEL_PEER(EXPIRED) the kernel emits for a peer it deleted */
static void
kernel_expires(int id, bool while_request)
{
    struct nl_msg *msg = del_peer_msg(id, OVPN_DEL_PEER_REASON_EXPIRED);
    struct nlmsghdr *nlh = nlmsg_hdr(msg);

    kernel.peer[id] = false;
    if (while_request)
    {
        append(&kernel.pending_head, &kernel.pending_tail, nlh, nlh->nlmsg_len);
    }
    else
    {
        queue_bytes(nlh, nlh->nlmsg_len);
    }
    nlmsg_free(msg);
}

enum bench_path
{
    PATH_EVENT,
    PATH_DEFERRED,
    PATH_SHUTDOWN,
    PATH_USERSPACE
};

/**
 * The reap phase: everything the server does to close the \c n clients on
 * \c path.  Not inlined: callgrind counts this function and its callees.
 */
__attribute__((noinline)) void
bench_reap_phase(enum bench_path path, int n)
{
    switch (path)
    {
        case PATH_EVENT:
            event_loop();
            break;

        case PATH_DEFERRED:
            status_dump();
            event_loop();
            break;

        case PATH_SHUTDOWN:
            multi_uninit(&multi);
            break;

        case PATH_USERSPACE:
            for (int i = 0; i < n; i++)
            {
                struct multi_instance *mi = multi.instances[i];
                mi->context.sig->signal_received = SIGTERM;
                multi_close_instance(&multi, mi, false);
            }
            event_loop();
            break;
    }
}

int
main(int argc, char **argv)
{
    static const char *names[] = { "event", "deferred", "shutdown", "userspace" };
    int path = -1;

    if (argc != 3)
    {
        die("usage: bench_reap event|deferred|shutdown|userspace N");
    }
    for (int i = 0; i < (int)SIZE(names); i++)
    {
        if (strcmp(argv[1], names[i]) == 0)
        {
            path = i;
        }
    }
    int n = atoi(argv[2]);
    if (path < 0 || n < 1 || n > MAX_PEERS / 2)
    {
        die("usage: bench_reap event|deferred|shutdown|userspace N (N <= 4096)");
    }

    /* what a server logs at --verb 3 is formatted */
    set_debug_level(3, 0);
    update_time();
    kernel.mcast_group = -1;
    /* but on shutdown, N more clients stay connected while the N go */
    int bystanders = path == PATH_SHUTDOWN ? 0 : n;
    server_init(n + bystanders);
    for (int i = 0; i < n + bystanders; i++)
    {
        server_add_instance(i);
    }

    /* what the kernel does before the phase */
    for (int i = 0; i < n; i++)
    {
        if (path == PATH_EVENT)
        {
            kernel_expires(i, false);
        }
        else if (path == PATH_DEFERRED)
        {
            kernel_expires(i, true);
        }
    }
    kernel.dumps = kernel.singles = kernel.entries = kernel.bytes = 0;
    kernel.warnings = 0;

    bench_reap_phase(path, n);

    if (multi.n_clients != bystanders)
    {
        fprintf(stderr, "bench_reap: %d clients left after the %s path, "
                "not the %d that stay\n", multi.n_clients, names[path],
                bystanders);
        return 1;
    }
    printf("%s %d %lu %lu %lu %lu %lu\n", names[path], n, kernel.dumps,
           kernel.singles, kernel.entries, kernel.bytes, kernel.warnings);
    return 0;
}
