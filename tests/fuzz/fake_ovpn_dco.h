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
 * The fake ovpn-dco v2 kernel module of the harnesses that tests/fuzz/
 * build.sh links against the daemon's objects: the libFuzzer harness
 * (tests/fuzz/fuzz_dco_netlink.c) and the reap benchmark
 * (tests/bench/bench_reap.c).  Both include it once, after the daemon's
 * headers and mudp.c.  The series' own fake kernel, in
 * tests/unit_tests/openvpn/test_dco_linux.c, stays in its patch: a patch
 * queue for upstream and Debian cannot reach outside the source tree.
 *
 * The kernel side is a queue of datagrams that the DCO socket's nl_cb
 * receive function (fake_kernel_recv(), installed with
 * nl_cb_overwrite_recv()) hands out one per call, and a second queue for
 * the datagrams that arrive while the next request waits for its reply.
 * What the module answers to a request is the harness's own wrapper of
 * nl_send_auto(); the helpers here build the messages it sends.
 *
 * The harness defines before including this file:
 *   FAKE_DEV           name of the DCO interface (a string literal)
 *   FAKE_FAIL_PREFIX   what fake_fail() prints before its message
 *   FAKE_FAIL_END()    how fake_fail() ends the run (exit(), abort())
 *   (fake_fail() is in fuzz_common.h, which this file includes)
 * and may define:
 *   FAKE_ON_QUEUE(d)   called for each datagram queued (default: nothing)
 *   FAKE_ON_READ(d)    called for each read of the socket, d NULL when
 *                      nothing was queued (default: nothing)
 * and defines after it:
 *   static bool fake_is_dco_fd(int fd): whether fd is one of its DCO
 *     sockets (poll() on it is answered from the queue).
 * It builds with -DFUZZ_HAVE_PEER_ID_FIFO for trees whose free peer-ids
 * wait in a FIFO (series #39).
 */

#ifndef FAKE_OVPN_DCO_H
#define FAKE_OVPN_DCO_H

#if !defined(FAKE_DEV) || !defined(FAKE_FAIL_PREFIX) || !defined(FAKE_FAIL_END)
#error "define FAKE_DEV, FAKE_FAIL_PREFIX and FAKE_FAIL_END before including fake_ovpn_dco.h"
#endif
#ifndef FAKE_ON_QUEUE
#define FAKE_ON_QUEUE(d) ((void)(d))
#endif
#ifndef FAKE_ON_READ
#define FAKE_ON_READ(d) ((void)(d))
#endif

#define FAKE_OVPN_FAMILY    0x22    /**< generic netlink id of "ovpn-dco-v2" */
#define FAKE_MCAST_GROUP    7       /**< id of the "peers" multicast group */
#define FAKE_IFINDEX        42      /**< ifindex of our DCO interface */

static bool fake_is_dco_fd(int fd);

/* fake_fail(), with FAKE_FAIL_PREFIX and FAKE_FAIL_END() */
#include "fuzz_common.h"

/** One datagram as the kernel would deliver it on the netlink socket */
struct fake_dgram
{
    struct fake_dgram *next;
    size_t len;
    unsigned char buf[];
};

struct dgram_list
{
    struct fake_dgram *head;
    struct fake_dgram *tail;
    size_t len;
};

/** The socket side of the fake ovpn-dco module */
static struct
{
    struct dgram_list queue;    /**< datagrams waiting on the socket */
    struct dgram_list pending;  /**< those that arrive during the next request */
    int mcast_group;            /**< what openvpn subscribed to */
    unsigned long bytes;        /**< netlink bytes delivered to openvpn */
} fake;

/* ------------------------------------------------------------------------ */
/* datagrams                                                                */
/* ------------------------------------------------------------------------ */

static void
dgram_list_append(struct dgram_list *l, struct fake_dgram *d)
{
    d->next = NULL;
    if (l->tail)
    {
        l->tail->next = d;
    }
    else
    {
        l->head = d;
    }
    l->tail = d;
    l->len++;
}

/** Move all datagrams of \c from to the end of \c to */
static void
dgram_list_splice(struct dgram_list *to, struct dgram_list *from)
{
    while (from->head)
    {
        struct fake_dgram *d = from->head;
        from->head = d->next;
        dgram_list_append(to, d);
    }
    from->tail = NULL;
    from->len = 0;
}

static inline void
dgram_list_free(struct dgram_list *l)
{
    while (l->head)
    {
        struct fake_dgram *d = l->head;
        l->head = d->next;
        free(d);
    }
    l->tail = NULL;
    l->len = 0;
}

/** Queue a copy of \c buf as one datagram on \c l */
static void
dgram_queue_bytes(struct dgram_list *l, const void *buf, size_t len)
{
    if (len == 0)
    {
        /* recvmsg() never returns an empty netlink datagram (0 means
         * nothing to read) */
        return;
    }
    struct fake_dgram *d = malloc(sizeof(*d) + len);
    if (!d)
    {
        fake_fail("out of memory");
    }
    d->len = len;
    memcpy(d->buf, buf, len);
    FAKE_ON_QUEUE(d);
    dgram_list_append(l, d);
}

/** Queue \c msg on \c l as a datagram of its own, and free it */
static void
dgram_queue_msg(struct dgram_list *l, struct nl_msg *msg)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    dgram_queue_bytes(l, nlh, nlh->nlmsg_len);
    nlmsg_free(msg);
}

/** Queue \c msg on the socket as a datagram of its own, and free it */
static void
queue_nl_msg(struct nl_msg *msg)
{
    dgram_queue_msg(&fake.queue, msg);
}

/**
 * Replacement for the receive function of the DCO nl_cb (installed with
 * nl_cb_overwrite_recv()): hand out the next queued datagram, or nothing
 * (0), as a non-blocking socket does.
 */
static int
fake_kernel_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
                 unsigned char **buf, struct ucred **creds)
{
    (void)sk;
    struct fake_dgram *d = fake.queue.head;

    memset(nla, 0, sizeof(*nla));
    nla->nl_family = AF_NETLINK;
    if (creds)
    {
        *creds = NULL;
    }
    FAKE_ON_READ(d);
    if (!d)
    {
        return 0;
    }
    fake.queue.head = d->next;
    if (!fake.queue.head)
    {
        fake.queue.tail = NULL;
    }
    fake.queue.len--;
    fake.bytes += d->len;

    *buf = malloc(d->len);
    if (!*buf)
    {
        fake_fail("out of memory");
    }
    memcpy(*buf, d->buf, d->len);
    int len = (int)d->len;
    free(d);
    return len;
}

/* ------------------------------------------------------------------------ */
/* what the module sends                                                    */
/* ------------------------------------------------------------------------ */

/** NLMSG_ERROR answering the request \c req with \c error (0: an ACK) */
static void
queue_ack(const struct nlmsghdr *req, int error)
{
    struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, 0);
    struct nlmsgerr *e = nlmsg_reserve(msg, sizeof(*e), NLMSG_ALIGNTO);
    e->error = error;
    e->msg = *req;
    nlmsg_hdr(msg)->nlmsg_seq = req->nlmsg_seq;
    queue_nl_msg(msg);
}

/** NLMSG_DONE ending the dump \c req asked for */
static struct nl_msg *
done_msg(const struct nlmsghdr *req)
{
    int zero = 0;
    struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
    nlmsg_append(msg, &zero, sizeof(zero), NLMSG_ALIGNTO);
    nlmsg_hdr(msg)->nlmsg_seq = req->nlmsg_seq;
    return msg;
}

/** The DEL_PEER notification ovpn-dco multicasts when a peer is deleted */
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

/** Reply of the nlctrl family to CTRL_CMD_GETFAMILY "ovpn-dco-v2" */
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
    queue_nl_msg(msg);
    queue_ack(req, 0);
}

/** The peer-id a GET_PEER or DEL_PEER request is about, -1 if none */
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

/* ------------------------------------------------------------------------ */
/* wrapped system and daemon functions (-Wl,--wrap=...)                     */
/* ------------------------------------------------------------------------ */

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
    fake.mcast_group = group;
    return 0;
}

int
__wrap_net_iface_new(openvpn_net_ctx_t *ctx, const openvpn_net_iface_t *iface,
                     const char *type, void *arg)
{
    (void)ctx;
    (void)iface;
    (void)type;
    (void)arg;
    return 0;
}

int
__wrap_net_iface_del(openvpn_net_ctx_t *ctx, const openvpn_net_iface_t *iface)
{
    (void)ctx;
    (void)iface;
    return 0;
}

unsigned int __real_if_nametoindex(const char *ifname);

unsigned int
__wrap_if_nametoindex(const char *ifname)
{
    return strcmp(ifname, FAKE_DEV) == 0 ? FAKE_IFINDEX : __real_if_nametoindex(ifname);
}

int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/**
 * The fake datagrams are not on the real netlink sockets: a poll() for a
 * DCO socket (ovpn_nl_msg_send() waits for its reply with one, from the
 * fork patch "dco_linux: bound the wait for a netlink reply" on) is
 * answered from the queue, without waiting.
 */
int
__wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds == 1 && fake_is_dco_fd(fds[0].fd))
    {
        fds[0].revents = fake.queue.head ? POLLIN : 0;
        return fake.queue.head ? 1 : 0;
    }
    return __real_poll(fds, nfds, timeout);
}

/* ------------------------------------------------------------------------ */
/* a server on the fake module                                              */
/* ------------------------------------------------------------------------ */

static void
fake_init_options(struct options *o, int mode, int max_clients)
{
    init_options(o, true);
    o->mode = mode;
    o->dev = FAKE_DEV;
    o->dev_type = "tun";
    o->max_clients = max_clients;
    o->tuntap_options.disable_dco = false;
    o->ping_rec_timeout_action = PING_RESTART;
    o->ciphername = "AES-256-GCM";
}

/** The real ovpn_dco_init() and open_tun_dco() of \c c against the fake
 *  module; \c m is the server's multi_context, NULL for p2p */
static void
open_fake_dco(struct context *c, struct multi_context *m)
{
    fake.mcast_group = -1;
    ALLOC_OBJ_CLEAR(c->c1.tuntap, struct tuntap);
    c->c1.tuntap->type = DEV_TYPE_TUN;
    c->c1.tuntap->actual_name = string_alloc(FAKE_DEV, NULL);
    c->c1.tuntap_owned = true;
    c->multi = m;
    if (!ovpn_dco_init(c))
    {
        fake_fail("ovpn_dco_init() failed");
    }

    dco_context_t *dco = &c->c1.tuntap->dco;
    nl_cb_overwrite_recv(dco->nl_cb, fake_kernel_recv);
    if (open_tun_dco(c->c1.tuntap, &c->net_ctx, FAKE_DEV) != 0
        || dco->ifindex != FAKE_IFINDEX
        || dco->ovpn_dco_id != FAKE_OVPN_FAMILY
        || fake.mcast_group != FAKE_MCAST_GROUP)
    {
        fake_fail("cannot register with the fake ovpn-dco module");
    }
}

/** A UDP server on the fake module, as tunnel_server_udp() sets it up */
static void
fake_server_init(struct context *top, struct multi_context *m, int max_clients)
{
    fake_init_options(&top->options, MODE_SERVER, max_clients);
    top->mode = CM_TOP;
    top->gc = gc_new();
    top->c2.gc = gc_new();
    ALLOC_OBJ_CLEAR_GC(top->sig, struct signal_info, &top->gc);
    top->c2.es = env_set_create(NULL);
    top->c2.es_owned = true;

    open_fake_dco(top, m);

    multi_init(m, top, false);
    multi_top_init(m, top);
}

#ifdef FUZZ_HAVE_PEER_ID_FIFO
/**
 * Take peer-id \c id out of the FIFO of free peer-ids (series #39),
 * keeping the order of the others: fake_add_instance() picks its peer-id
 * instead of taking the head as multi_assign_peer_id() does, and
 * multi_close_instance() gives it back.
 */
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
        fake_fail("peer-id %d is not in the FIFO of free peer-ids", id);
    }
}
#endif /* ifdef FUZZ_HAVE_PEER_ID_FIFO */

/**
 * A connected client with peer-id \c id, i.e. what multi_create_instance()
 * + multi_connection_established() + dco_multi_add_new_peer() leave behind
 * (minus the TLS session).  The multi_context owns the only reference.
 */
static struct multi_instance *
fake_add_instance(struct multi_context *m, int id)
{
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
    sin->sin_addr.s_addr = htonl(0xC6120000 | (uint32_t)id); /* 198.18/15 */
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
        fake_fail("cannot add instance %d", id);
    }
    mi->did_real_hash = true;
    mi->did_iter = true;

    ++m->n_clients;
    --mi->n_clients_delta;
#ifdef FUZZ_HAVE_PEER_ID_FIFO
    take_free_peer_id(m, id);
#endif
    m->instances[id] = mi;
    return mi;
}

#endif /* FAKE_OVPN_DCO_H */
