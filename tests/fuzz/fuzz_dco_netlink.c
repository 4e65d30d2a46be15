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
 * libFuzzer harness for the ovpn-dco netlink parser of dco_linux.c.
 *
 * Arbitrary bytes are delivered as netlink datagrams on the DCO socket of a
 * live server (multi_context with instances) or p2p context, and go through
 * the real path: the event loop dispatcher (multi_process_io_udp() /
 * process_io() with DCO_READ) -> dco_read_and_process() -> nl_recvmsgs()
 * -> ovpn_handle_msg() -> multi_process_incoming_dco() /
 * process_incoming_dco().  Optionally the datagrams arrive while one of
 * our requests waits for its reply (ovpn_nl_msg_send()), driven from the
 * real callers: status dump, management bytecount, closing an instance,
 * SET_PEER, SWAP_KEYS, DEL_KEY.
 *
 * The kernel is faked like in tests/unit_tests/openvpn/test_dco_linux.c,
 * by tests/fuzz/fake_ovpn_dco.h (which the reap benchmark shares):
 * nl_cb_overwrite_recv() on the DCO nl_cb hands out queued datagrams, and
 * nl_send_auto() is wrapped to answer every request (ACK, or NLMSG_DONE
 * for a dump), and poll() on a DCO socket is answered from the fake queue,
 * so nothing ever blocks.  NLMSG_ERROR codes that end openvpn by design
 * (ENODEV; ENOMEM, see defuse_fatal_errors()) are rewritten to EIO so
 * that fuzzing goes on.  nla_get_u8/16/32/64() are wrapped
 * so that reading an attribute happens in instrumented code, where ASAN
 * sees reads past the end of a message (libnl itself is not instrumented).
 *
 * Input format (see tests/fuzz/README.md):
 *   byte 0: flags
 *     bit 0      p2p context instead of the server
 *     bits 1-3   request in flight while the datagrams arrive:
 *                0 none (event loop only), 1 status dump, 2 management
 *                bytecount (single GET_PEER), 3 closing an instance
 *                (DEL_PEER request), 4 SET_PEER, 5 SWAP_KEYS, 6 DEL_KEY,
 *                7 none
 *     bit 4      split: the rest is a sequence of (u16 little endian
 *                length, bytes) datagrams; otherwise it is one datagram
 *   byte 1..: datagram(s)
 *
 * State: the server, the p2p context and their DCO sockets are created
 * once; the client instances are created fresh for every input and every
 * instance left at the end is closed, so every input starts from the same
 * state.  After every input the harness checks that the instance table
 * and n_clients agree, and it aborts (a finding) if a request is sent from
 * inside a netlink parse callback, if a request would wait forever, or on
 * any M_FATAL/ASSERT.
 *
 * Environment: FUZZ_VERBOSE=1 prints the OpenVPN log;
 * FUZZ_STRICT_NLA=1 also aborts when an attribute is read with a length
 * shorter than its type (no nla_policy validation).
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
#error "fuzz_dco_netlink needs a Linux build with --enable-dco"
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
#include "manage.h"
#include "init.h"
#include "sig.h"
#include "ssl.h"
#include "status.h"
#include "networking.h"

/* multi_process_io_udp(), the function the UDP server event loop calls when
 * the DCO socket is readable, is static: pull in the UDP server itself. */
#include "mudp.c"

/* dco_process_deferred() (run at the top of the server event loop) exists
 * from the fork patch "dco_linux: act on notifications parsed during a
 * request from the event loop" on; weak, so that the harness also builds
 * against the commits of the series before it */
void dco_process_deferred(dco_context_t *dco) __attribute__((weak));

struct fake_dgram;
static void defuse_fatal_errors(struct fake_dgram *d);
static void fuzz_on_read(const struct fake_dgram *d);

#define FAKE_DEV            "dcofuzz0"
#define FAKE_FAIL_PREFIX    "==FUZZ FINDING== "
#define FAKE_FAIL_END()     abort()
#define FAKE_ON_QUEUE(d)    defuse_fatal_errors(d)
#define FAKE_ON_READ(d)     fuzz_on_read(d)
#define FUZZ_WRAP_LOG       /* __wrap_x_msg(), __wrap_assert_failed() */
#include "fake_ovpn_dco.h"

#define MAX_CLIENTS         16      /**< --max-clients of the server */
#define N_INSTANCES         8       /**< instances 0..7 exist for every input */
#define P2P_PEER_ID         3
#define MAX_DGRAMS          64      /**< datagrams per input */
#define MAX_DGRAM_LEN       65536

/* request kinds (bits 1-3 of the flag byte) */
#define REQ_NONE            0
#define REQ_STATUS_DUMP     1
#define REQ_BYTECOUNT       2
#define REQ_CLOSE_INSTANCE  3
#define REQ_SET_PEER        4
#define REQ_SWAP_KEYS       5
#define REQ_DEL_KEY         6

#define NOMEM_PER_INPUT     4

/* FUZZ_HAVE_RESYNC: the tree has the overrun resynchronisation (its
 * dco_context_t has resync_pending); FUZZ_HAVE_PEER_ID_FIFO: free
 * peer-ids wait in a FIFO (multi.h has free_peer_ids, series #39 since
 * release 4); FUZZ_HAVE_REQUEST_SEQ: replies are matched to their request
 * by sequence number (dco_linux.h has struct dco_request, release 6).  All
 * set by build.sh. */
#ifdef FUZZ_HAVE_RESYNC
#define FUZZ_NOMEM_SURVIVABLE 1
#else
#define FUZZ_NOMEM_SURVIVABLE 0
#endif

#define FLAG_P2P            0x01
#define FLAG_SPLIT          0x10

/** What the harness watches of the fake ovpn-dco kernel module */
static struct
{
    int recv_depth;             /**< nl_recvmsgs() nesting */
    unsigned int idle_reads;
    dco_context_t *waiting;     /**< DCO context that sent the last request */
    int nomem_left;             /**< ENOMEM errors still delivered as such */
    unsigned int n_requests;
} kernel;

static struct
{
    bool verbose;
    bool strict_nla;
} fuzz;

static struct context top;
static struct multi_context multi;
static struct context p2p;

static bool
is_dco_fd_of(const struct context *c, int fd)
{
    return c->c1.tuntap && c->c1.tuntap->dco.nl_sock
           && fd == nl_socket_get_fd(c->c1.tuntap->dco.nl_sock);
}

static bool
fake_is_dco_fd(int fd)
{
    return is_dco_fd_of(&top, fd) || is_dco_fd_of(&p2p, fd);
}

/* ------------------------------------------------------------------------ */
/* wrapped daemon functions                                                 */
/* ------------------------------------------------------------------------ */

int __real_nl_recvmsgs(struct nl_sock *sk, struct nl_cb *cb);

int
__wrap_nl_recvmsgs(struct nl_sock *sk, struct nl_cb *cb)
{
    kernel.recv_depth++;
    int ret = __real_nl_recvmsgs(sk, cb);
    kernel.recv_depth--;
    return ret;
}

/* ------------------------------------------------------------------------ */
/* attribute getters: read in instrumented code                             */
/* ------------------------------------------------------------------------ */

static const void *
attr_payload(const struct nlattr *nla, size_t size, const char *getter)
{
    if (fuzz.strict_nla && nla_len(nla) < (int)size)
    {
        fake_fail("%s() on an attribute (type %d) of %d payload bytes",
                  getter, nla_type(nla), nla_len(nla));
    }
    return nla_data(nla);
}

uint8_t
__wrap_nla_get_u8(const struct nlattr *nla)
{
    uint8_t v;
    memcpy(&v, attr_payload(nla, sizeof(v), "nla_get_u8"), sizeof(v));
    return v;
}

uint16_t
__wrap_nla_get_u16(const struct nlattr *nla)
{
    uint16_t v;
    memcpy(&v, attr_payload(nla, sizeof(v), "nla_get_u16"), sizeof(v));
    return v;
}

uint32_t
__wrap_nla_get_u32(const struct nlattr *nla)
{
    uint32_t v;
    memcpy(&v, attr_payload(nla, sizeof(v), "nla_get_u32"), sizeof(v));
    return v;
}

uint64_t
__wrap_nla_get_u64(const struct nlattr *nla)
{
    uint64_t v;
    memcpy(&v, attr_payload(nla, sizeof(v), "nla_get_u64"), sizeof(v));
    return v;
}

/* ------------------------------------------------------------------------ */
/* fake kernel                                                              */
/* ------------------------------------------------------------------------ */

/**
 * ovpn_nl_recvmsgs() exits openvpn on purpose (M_ERR) when the kernel
 * reports ENODEV (interface gone), and on ENOMEM (which libnl also reports
 * for a receive buffer overrun) before the fork patch "dco_linux: survive
 * netlink receive buffer overruns and resynchronize", after it when
 * DCO_MAX_OVERRUNS of them come in a row.  So that the fuzzer can go on
 * past such inputs, an NLMSG_ERROR carrying one of these codes is given
 * EIO instead (the parse path is the same); with that patch, the first
 * NOMEM_PER_INPUT ENOMEM errors of an input are delivered as they are, so
 * that the overrun and resynchronisation path is fuzzed as well.
 */
static void
defuse_fatal_errors(struct fake_dgram *d)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *)d->buf;
    int rem = (int)d->len;

    if (((uintptr_t)d->buf % NLMSG_ALIGNTO) != 0)
    {
        return;
    }
    while (nlmsg_ok(nlh, rem))
    {
        if (nlh->nlmsg_type == NLMSG_ERROR
            && nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
        {
            int *error = nlmsg_data(nlh);
            bool nomem = *error == -ENOMEM || *error == ENOMEM;
            if (*error == -ENODEV || *error == ENODEV
                || (nomem && (!FUZZ_NOMEM_SURVIVABLE
                              || kernel.nomem_left-- <= 0)))
            {
                *error = -EIO;
            }
        }
        nlh = nlmsg_next(nlh, &rem);
    }
}

/** A request of ours waits for its reply */
static bool
fuzz_request_waits(const dco_context_t *dco)
{
#ifdef FUZZ_HAVE_REQUEST_SEQ
    return dco->request_depth > 0
           && dco->requests[dco->request_depth - 1].status == 1;
#else
    return dco->status == 1;
#endif
}

/**
 * Called for every read of the fake DCO socket, \c d NULL when nothing
 * was queued: a non-blocking socket with nothing to read gives 0.
 * ovpn_nl_msg_send() polls until its reply arrived; the fake kernel
 * always queues one, so reading an empty socket over and over while a
 * request is pending means the reply was consumed elsewhere and the
 * daemon would spin forever.
 */
static void
fuzz_on_read(const struct fake_dgram *d)
{
    if (d)
    {
        kernel.idle_reads = 0;
    }
    else if (kernel.waiting && fuzz_request_waits(kernel.waiting)
             && ++kernel.idle_reads > 100)
    {
        fake_fail("request waits for a reply on an empty netlink socket "
                  "(openvpn would busy-loop forever)");
    }
}

/**
 * Give the NLMSG_ERROR and NLMSG_DONE messages of the fuzz datagrams that
 * arrive during a request the request's sequence number.  Since the fork
 * patch "dco_linux: match netlink replies to their request", a reply with
 * another sequence number is ignored; the fuzzer would hardly ever guess
 * the right one, and the paths that act on a reply (the error codes, the
 * extended ACK parser, the end of a dump) would go unfuzzed during
 * requests.  Notifications and other messages keep the sequence number
 * the input gave them.
 */
static void
claim_replies(struct dgram_list *l, uint32_t seq)
{
    for (struct fake_dgram *d = l->head; d; d = d->next)
    {
        struct nlmsghdr *nlh = (struct nlmsghdr *)d->buf;
        int rem = (int)d->len;

        if (((uintptr_t)d->buf % NLMSG_ALIGNTO) != 0)
        {
            continue;
        }
        while (nlmsg_ok(nlh, rem))
        {
            if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
            {
                nlh->nlmsg_seq = seq;
            }
            nlh = nlmsg_next(nlh, &rem);
        }
    }
}

int __real_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg);

/**
 * Wrapper for nl_send_auto(): instead of sending, let the fake kernel
 * queue the fuzz datagrams meant for this request (they "arrived" while
 * it was in flight) and then the reply the ovpn-dco module would send.
 */
int
__wrap_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
    nl_complete_msg(sk, msg);

    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    struct genlmsghdr *gnlh = nlmsg_data(nlh);

    if (kernel.recv_depth > 0)
    {
        fake_fail("netlink request (type %u cmd %u) sent from inside "
                  "nl_recvmsgs() (depth %d): nested read of the socket",
                  nlh->nlmsg_type, gnlh->cmd, kernel.recv_depth);
    }
    kernel.n_requests++;
    kernel.idle_reads = 0;

    if (nlh->nlmsg_type == GENL_ID_CTRL)
    {
        queue_ctrl_family(nlh);
        return (int)nlh->nlmsg_len;
    }

    claim_replies(&fake.pending, nlh->nlmsg_seq);
    dgram_list_splice(&fake.queue, &fake.pending);

    if (gnlh->cmd == OVPN_CMD_GET_PEER && (nlh->nlmsg_flags & NLM_F_DUMP))
    {
        queue_nl_msg(done_msg(nlh));
    }
    else
    {
        if (gnlh->cmd == OVPN_CMD_DEL_PEER)
        {
            int id = request_peer_id(nlh);
            queue_nl_msg(del_peer_msg(id < 0 ? 0 : (uint32_t)id,
                                      OVPN_DEL_PEER_REASON_USERSPACE));
        }
        queue_ack(nlh, 0);
    }
    return (int)nlh->nlmsg_len;
}

/* ------------------------------------------------------------------------ */
/* setup                                                                    */
/* ------------------------------------------------------------------------ */

static void
p2p_init(void)
{
    struct context *c = &p2p;

    fake_init_options(&c->options, MODE_POINT_TO_POINT, 0);
    c->mode = CM_P2P;
    c->gc = gc_new();
    c->c2.gc = gc_new();
    ALLOC_OBJ_CLEAR_GC(c->sig, struct signal_info, &c->gc);

    open_fake_dco(c, NULL);

    struct tls_options to;
    CLEAR(to);
    c->c2.tls_multi = tls_multi_init(&to);
    c->c2.tls_multi->peer_id = P2P_PEER_ID;
    c->c2.tls_multi->multi_state = CAS_CONNECT_DONE;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;

    fuzz.verbose = getenv("FUZZ_VERBOSE") != NULL;
    fuzz_log.verbose = fuzz.verbose;
    fuzz.strict_nla = getenv("FUZZ_STRICT_NLA") != NULL;
    /* every message reaches x_msg(): debug arguments are evaluated too */
    set_debug_level(11, 0);
    update_time();

    fake_server_init(&top, &multi, MAX_CLIENTS);
    p2p_init();
    return 0;
}

/* ------------------------------------------------------------------------ */
/* one input                                                                */
/* ------------------------------------------------------------------------ */

static int
count_live_instances(void)
{
    int n = 0;
    for (int i = 0; i < multi.max_clients; i++)
    {
        struct multi_instance *mi = multi.instances[i];
        if (mi)
        {
            if (mi->halt)
            {
                fake_fail("instance %d is halted but still in m->instances", i);
            }
            n++;
        }
    }
    return n;
}

static void
server_begin(void)
{
    for (int i = 0; i < N_INSTANCES; i++)
    {
        fake_add_instance(&multi, i);
    }
}

/** Close every instance left, as a shutdown of the instance would */
static void
server_end(void)
{
    int live = count_live_instances();
    if (live != multi.n_clients)
    {
        fake_fail("n_clients is %d but %d instances are alive", multi.n_clients,
                  live);
    }
    if (hash_n_elements(multi.hash) != live)
    {
        fake_fail("%d instances in m->hash but %d alive",
                  hash_n_elements(multi.hash), live);
    }

    for (int i = 0; i < multi.max_clients; i++)
    {
        struct multi_instance *mi = multi.instances[i];
        if (mi)
        {
            /* no DEL_PEER request for the teardown */
            mi->context.c2.tls_multi->dco_peer_id = -1;
            mi->context.sig->signal_received = SIGTERM;
            multi_close_instance(&multi, mi, false);
        }
    }
    if (multi.n_clients != 0 || hash_n_elements(multi.hash) != 0)
    {
        fake_fail("instances left after closing all of them");
    }
    multi.top.c2.event_set_status = 0;
}

static void
p2p_begin(void)
{
    p2p.sig->signal_received = 0;
    p2p.sig->signal_text = NULL;
    p2p.sig->source = SIG_SOURCE_SOFT;
    p2p.c2.tls_multi->dco_peer_id = P2P_PEER_ID;
    p2p.c2.dco_read_bytes = p2p.c2.dco_write_bytes = 0;
    p2p.c2.tun_read_bytes = p2p.c2.tun_write_bytes = 0;
}

static dco_context_t *
fuzz_dco(bool is_p2p)
{
    return is_p2p ? &p2p.c1.tuntap->dco : &top.c1.tuntap->dco;
}

/** What tunnel_server_udp() does at the top of each loop iteration */
static void
server_loop_top(void)
{
    if (dco_process_deferred)
    {
        dco_process_deferred(&top.c1.tuntap->dco);
    }
}

/** What pre_select() does for a p2p context, before each io_wait() */
static void
p2p_loop_top(void)
{
#ifdef FUZZ_HAVE_RESYNC
    if (dco_process_deferred)
    {
        dco_process_deferred(&p2p.c1.tuntap->dco);
    }
#endif
}

/**
 * Forget the DCO state an input left behind, so that every input starts
 * from the same state (what is left is about peers that are gone)
 */
static void
dco_reset(dco_context_t *dco)
{
#ifdef FUZZ_HAVE_REQUEST_SEQ
    dco->request_depth = 0;
#else
    dco->status = 0;
#endif
    dco->dco_message_type = 0;
    dco->dco_message_peer_id = -1;
    dco->dco_del_peer_reason = 0;
#ifdef FUZZ_HAVE_RESYNC
    dco->n_deferred = 0;
    dco->resync_pending = false;
    dco->overruns = 0;
#endif
}

/** The event loop handles DCO_READ until the socket is empty */
static void
dco_read_events(bool is_p2p)
{
    size_t budget = fake.queue.len * 2 + 4;

    while (fake.queue.head && budget-- > 0)
    {
        if (is_p2p)
        {
            if (IS_SIG(&p2p))
            {
                /* the p2p loop leaves for the restart */
                break;
            }
            p2p_loop_top();
            if (IS_SIG(&p2p))
            {
                break;
            }
            p2p.c2.event_set_status = DCO_READ;
            process_io(&p2p);
        }
        else
        {
            server_loop_top();
            multi.top.c2.event_set_status = DCO_READ;
            multi_process_io_udp(&multi);
        }
    }
    if (is_p2p)
    {
        if (!IS_SIG(&p2p))
        {
            p2p_loop_top();
        }
    }
    else
    {
        server_loop_top();
    }
    dgram_list_free(&fake.queue);
}

static void
status_dump(bool is_p2p)
{
    struct status_output *so = status_open(NULL, 0, M_INFO, NULL,
                                           STATUS_OUTPUT_WRITE);
    if (is_p2p)
    {
        print_status(&p2p, so);
    }
    else
    {
        multi_print_status(&multi, so, 2);
    }
    status_close(so);
}

static void
bytecount(bool is_p2p)
{
    struct management man;
    struct timeval tv = { 0, 0 };

    CLEAR(man);
    man.persist.callback.flags = MCF_SERVER;
    event_timeout_init(&man.connection.bytecount_update_interval, 1, 0);

    /* what process_coarse_timers() does for a client instance */
    struct context *c = is_p2p ? &p2p : &multi.instances[0]->context;
    management_check_bytecount(c, &man, &tv);
}

static void
run_request(int req, bool is_p2p)
{
    dco_context_t *dco = fuzz_dco(is_p2p);
    unsigned int peer = is_p2p ? P2P_PEER_ID : 1;

    kernel.waiting = dco;
    switch (req)
    {
        case REQ_STATUS_DUMP:
            status_dump(is_p2p);
            break;

        case REQ_BYTECOUNT:
            bytecount(is_p2p);
            break;

        case REQ_CLOSE_INSTANCE:
            if (is_p2p)
            {
                /* close_instance() on the restart */
                dco_remove_peer(&p2p);
            }
            else
            {
                /* the server drops client 7 itself: close_context() ->
                 * dco_remove_peer() -> dco_del_peer() */
                struct multi_instance *mi = multi.instances[7];
                mi->context.sig->signal_received = SIGTERM;
                multi_close_instance(&multi, mi, false);
            }
            break;

        case REQ_SET_PEER:
            dco_set_peer(dco, peer, 10, 60, -1);
            break;

        case REQ_SWAP_KEYS:
            dco_swap_keys(dco, peer);
            break;

        case REQ_DEL_KEY:
            dco_del_key(dco, peer, OVPN_KEY_SLOT_SECONDARY);
            break;

        default:
            break;
    }
    kernel.waiting = NULL;
    /* the request may have been declined (no peer, lock): what was meant
     * to arrive during it arrives now */
    dgram_list_splice(&fake.queue, &fake.pending);
}

/** Split the input into datagrams on \c l */
static void
parse_datagrams(struct dgram_list *l, const uint8_t *data, size_t size,
                bool split)
{
    if (!split)
    {
        dgram_queue_bytes(l, data, size);
        return;
    }
    while (size > 0 && l->len < MAX_DGRAMS)
    {
        size_t len = data[0];
        if (size >= 2)
        {
            len |= (size_t)data[1] << 8;
            data += 2;
            size -= 2;
        }
        else
        {
            data++;
            size--;
        }
        if (len > size)
        {
            len = size;
        }
        dgram_queue_bytes(l, data, len);
        data += len;
        size -= len;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_DGRAM_LEN)
    {
        return -1;
    }

    const uint8_t flags = data[0];
    const bool is_p2p = flags & FLAG_P2P;
    const int req = (flags >> 1) & 7;

    update_time();
    kernel.idle_reads = 0;
    kernel.nomem_left = NOMEM_PER_INPUT;
    if (is_p2p)
    {
        p2p_begin();
    }
    else
    {
        server_begin();
    }

    if (req == REQ_NONE || req > REQ_DEL_KEY)
    {
        parse_datagrams(&fake.queue, data + 1, size - 1, flags & FLAG_SPLIT);
    }
    else
    {
        parse_datagrams(&fake.pending, data + 1, size - 1,
                        flags & FLAG_SPLIT);
        run_request(req, is_p2p);
    }

    dco_read_events(is_p2p);

    if (!is_p2p)
    {
        server_end();
    }
    dgram_list_free(&fake.queue);
    dgram_list_free(&fake.pending);
    dco_reset(fuzz_dco(is_p2p));
    return 0;
}
