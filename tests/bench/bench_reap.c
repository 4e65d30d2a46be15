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
 * the series from the 7791f535 backport on, with the fake module of
 * tests/fuzz/fake_ovpn_dco.h, which the fuzzing harness shares.
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

/* from "act on deferred notifications over several turns, with a budget" on */
bool dco_deferred_pending(const dco_context_t *dco) __attribute__((weak));

#define FAKE_DEV            "dcobench0"
#define FAKE_FAIL_PREFIX    "bench_reap: "
#define FAKE_FAIL_END()     exit(2)
#include "fake_ovpn_dco.h"

#define MAX_PEERS           8192
/* what netlink_dump() fills a dump skb to: SKB_WITH_OVERHEAD(PAGE_SIZE) */
#define DUMP_DGRAM_SIZE     3776

/** The peers of the fake ovpn-dco v2 module and what it counted */
static struct
{
    bool peer[MAX_PEERS];
    unsigned char *cur;         /**< dump datagram being filled */
    size_t cur_len;

    unsigned long dumps, singles, entries, warnings;
} kernel;

static struct context top;
static struct multi_context multi;

/* ------------------------------------------------------------------------ */
/* the fake kernel                                                          */
/* ------------------------------------------------------------------------ */

static bool
fake_is_dco_fd(int fd)
{
    return top.c1.tuntap && top.c1.tuntap->dco.nl_sock
           && fd == nl_socket_get_fd(top.c1.tuntap->dco.nl_sock);
}

/** Add a message to the dump datagram being filled; send it when full */
static void
dump_add(struct nl_msg *msg)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

    if (kernel.cur_len + len > DUMP_DGRAM_SIZE)
    {
        dgram_queue_bytes(&fake.queue, kernel.cur, kernel.cur_len);
        kernel.cur_len = 0;
    }
    if (!kernel.cur)
    {
        kernel.cur = malloc(DUMP_DGRAM_SIZE);
        if (!kernel.cur)
        {
            fake_fail("out of memory");
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
        dgram_queue_bytes(&fake.queue, kernel.cur, kernel.cur_len);
        kernel.cur_len = 0;
    }
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
    dgram_list_splice(&fake.queue, &fake.pending);

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
                dump_add(done_msg(nlh));
                dump_flush();
            }
            else
            {
                kernel.singles++;
                if (known)
                {
                    queue_nl_msg(peer_msg(id, 0, nlh->nlmsg_seq));
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
                queue_nl_msg(del_peer_msg(id, OVPN_DEL_PEER_REASON_USERSPACE));
            }
            queue_ack(nlh, known ? 0 : -ENOENT);
            break;

        default:
            queue_ack(nlh, known ? 0 : -ENOENT);
            break;
    }
    return (int)nlh->nlmsg_len;
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

/** The UDP server loop while the DCO socket is readable */
static void
event_loop(void)
{
    unsigned long budget = fake.queue.len * 4 + 16;

    while (fake.queue.head && budget-- > 0)
    {
        if (dco_process_deferred)
        {
            dco_process_deferred(&top.c1.tuntap->dco);
        }
        multi.top.c2.event_set_status = DCO_READ;
        multi_process_io_udp(&multi);
    }
    /* deferred closes are spread over turns, as many as the loop needs */
    int turns = MAX_PEERS;
    do
    {
        if (dco_process_deferred)
        {
            dco_process_deferred(&top.c1.tuntap->dco);
        }
    } while (dco_deferred_pending && dco_deferred_pending(&top.c1.tuntap->dco)
             && --turns > 0);
    if (fake.queue.head)
    {
        fake_fail("the event loop did not drain the DCO socket");
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
    kernel.peer[id] = false;
    dgram_queue_msg(while_request ? &fake.pending : &fake.queue,
                    del_peer_msg(id, OVPN_DEL_PEER_REASON_EXPIRED));
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
        fake_fail("usage: bench_reap event|deferred|shutdown|userspace N");
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
        fake_fail("usage: bench_reap event|deferred|shutdown|userspace N (N <= 4096)");
    }

    /* what a server logs at --verb 3 is formatted */
    set_debug_level(3, 0);
    update_time();
    /* but on shutdown, N more clients stay connected while the N go */
    int bystanders = path == PATH_SHUTDOWN ? 0 : n;
    fake_server_init(&top, &multi, n + bystanders);
    for (int i = 0; i < n + bystanders; i++)
    {
        fake_add_instance(&multi, i);
        kernel.peer[i] = true;
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
    kernel.dumps = kernel.singles = kernel.entries = fake.bytes = 0;
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
           kernel.singles, kernel.entries, fake.bytes, kernel.warnings);
    return 0;
}
