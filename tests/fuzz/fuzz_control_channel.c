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
 * libFuzzer harness for the pre-authentication control channel of a
 * server: sequences of packets from unauthenticated peers, over UDP or
 * TCP, with --tls-auth, --tls-crypt, --tls-crypt-v2 or no wrapping.
 *
 * The server is the real one, configured from an option string
 * (options_postprocess()), its top context initialised with the real
 * do_init_crypto() (TLS context from the sample keys of the tree, the
 * tls-auth/crypt/crypt-v2 keys, tls_auth_standalone, the HMAC cookie key),
 * multi_init()/multi_top_init() as tunnel_server_udp()/tcp() do.  Client
 * instances are created by the server itself: multi_create_instance() ->
 * inherit_context_child() -> init_instance().  Packets go through the
 * server loop's own functions:
 *   UDP: multi_udp_process_events() with SOCKET_READ -> read_incoming_link()
 *        (recvfrom() is wrapped and hands out the datagram) ->
 *        multi_process_incoming_link() -> multi_get_create_instance_udp()
 *        -> do_pre_decrypt_check() (tls_pre_decrypt_lite(), the stateless
 *        HMAC cookie) or the instance's tls_pre_decrypt(); SOCKET_WRITE
 *        while output is pending (sendto() is wrapped); ES_TIMEOUT when
 *        an instance timer is due;
 *   TCP: the listening socket's event as multi_tcp_process_io() handles it
 *        (multi_create_instance_tcp(), accept() is wrapped and gives one
 *        end of a socketpair), then multi_tcp_wait() (real epoll) and
 *        multi_tcp_process_events(): the stream is read with the real
 *        recv() and 2-byte length framing of link_socket_read_tcp();
 *        the replies are written with the real send() and drained.
 * Timers (pre_select() -> check_tls() -> tls_multi_process(): retransmits,
 * the handshake window, session promotion and lame-duck expiry) run when
 * the input advances the clock: gettimeofday()/time() are wrapped and
 * return a fake time that the input moves forward.
 *
 * Input format (see tests/fuzz/README.md):
 *   byte 0: flags
 *     bits 0-1   wrap: 0 none, 1 --tls-auth, 2 --tls-crypt, 3 --tls-crypt-v2
 *     bit 2      TCP (--proto tcp-server) instead of UDP
 *     bit 3      the harness' tls-crypt-v2 client starts its packet-ids at
 *                EARLY_NEG_START (announces early negotiation, as 2.6
 *                clients do: UDP then takes the HMAC cookie path)
 *   then records, at most MAX_RECORDS:
 *     byte 0     ctl
 *       bits 0-2   seconds the clock advances first (advance_secs[])
 *       bit 3      the harness wraps the packet with the client's key
 *                  (tls-auth HMAC, tls-crypt, tls-crypt-v2 with the WKc),
 *                  bytes 1-8 are the session id; without wrap: as is
 *       bit 4      UDP: the datagram comes from the second peer address;
 *                  TCP: raw stream bytes, no length prefix added
 *       bit 5      TCP: the client drops the connection and opens a new
 *                  one first
 *       bit 6      no packet, only the clock advances
 *       bit 7      UDP: the datagram comes from the unspecified address
 *                  0.0.0.0 (what a host on the server's link can send as
 *                  a broadcast, or a TAP client through the tunnel)
 *     bytes 1-2  length (big endian), then that many bytes
 *   Any occurrence of the 8 bytes "SERVERID" in a packet (before the
 *   wrap) is replaced with the server's session id as the peer would have
 *   learnt it (the session of its instance, or the HMAC cookie the
 *   server would send), so that ACKs and the cookie reply can be written
 *   in seeds and found by the fuzzer.
 *
 * Randomness (rand_bytes()) is a fixed sequence restarted for every
 * input, and the clock starts at the same time: a crashing input
 * reproduces from the file alone.  Every server configuration is set up
 * once; every instance an input created is closed at its end.
 *
 * Findings: sanitizer reports, M_FATAL, ASSERT, a signal on the server's
 * top context (a peer would restart the whole server).
 *
 * Environment: FUZZ_VERBOSE=1 prints the OpenVPN log; FUZZ_KEY_DIR the
 * key directory (default: compiled in by build.sh).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "syshead.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "multi.h"
#include "forward.h"
#include "ssl.h"
#include "ssl_pkt.h"
#include "tls_crypt.h"

/* The server's own static functions: the top context's crypto and frame
 * set-up (init.c), the UDP and TCP server loop bodies (mudp.c, mtcp.c) and
 * the control packet wrapping the harness' client uses (ssl_pkt.c).
 * build.sh leaves their objects out of the link. */
#include "init.c"
#include "mudp.c"
#include "mtcp.c"
#include "ssl_pkt.c"

#define FAKE_FAIL_PREFIX    "==FUZZ FINDING== "
#define FAKE_FAIL_END()     abort()
#define FUZZ_WRAP_LOG
#include "fuzz_common.h"

#ifndef FUZZ_KEY_DIR
#define FUZZ_KEY_DIR "keys"
#endif

#define MAX_RECORDS         64
#define MAX_PACKET          2048
#define FUZZ_EPOCH          1790000000  /**< the clock at every input's start */
#define MAX_LOOP_TURNS      64          /**< server loop turns per record */

#define FLAG_WRAP_MASK      0x03
#define FLAG_TCP            0x04
#define FLAG_EARLY_NEG      0x08

#define CTL_ADVANCE_MASK    0x07
#define CTL_WRAP            0x08
#define CTL_PEER2_RAW       0x10
#define CTL_RECONNECT       0x20
#define CTL_NO_PACKET       0x40
#define CTL_UNSPEC_SRC      0x80

#define N_CONFIGS           8

static const int advance_secs[8] = { 0, 1, 2, 5, 10, 31, 65, 3700 };

static const uint8_t server_sid_marker[SID_SIZE] = "SERVERID";

static const char *const wrap_names[4] = { "none", "tls-auth", "tls-crypt",
                                           "tls-crypt-v2" };

/** One server configuration (wrap x protocol) and its client's wrap key */
struct fuzz_server
{
    bool ready;
    bool tcp;
    int wrap;
    struct context top;
    struct multi_context multi;
    struct context client;          /**< holds the client's wrap keys */
    struct tls_wrap_ctx cwrap;      /**< the client's control channel wrap */
    struct buffer wrapbuf;
    struct buffer no_wkc;           /**< tls-crypt: an empty WKc */
    int listen_pair[2];             /**< TCP: "listening" socket, never readable */
};

static struct fuzz_server servers[N_CONFIGS];

static struct
{
    bool verbose;
    const char *key_dir;
    struct timeval now;             /**< the fake clock */
    uint64_t rng;                   /**< state of the fake rand_bytes() */
    /* UDP: the datagram recvfrom() hands out next */
    const uint8_t *dgram;
    int dgram_len;
    struct openvpn_sockaddr dgram_from;
    /* TCP: the client end of the connection accept() gave the server */
    int client_fd;
    int n_accepts;
    unsigned long sent;             /**< packets written by the server */
} fuzz;

/* ------------------------------------------------------------------------ */
/* wrapped functions                                                        */
/* ------------------------------------------------------------------------ */

int
__wrap_gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    *tv = fuzz.now;
    return 0;
}

time_t
__wrap_time(time_t *t)
{
    if (t)
    {
        *t = fuzz.now.tv_sec;
    }
    return fuzz.now.tv_sec;
}

/**
 * A fixed pseudo-random sequence, restarted for every input: session ids,
 * the HMAC cookie key, jitter.  OpenSSL's own randomness (TLS) is not
 * affected; it does not change what the control channel accepts.
 */
int
__wrap_rand_bytes(uint8_t *output, int len)
{
    for (int i = 0; i < len; i++)
    {
        /* xorshift64 */
        fuzz.rng ^= fuzz.rng << 13;
        fuzz.rng ^= fuzz.rng >> 7;
        fuzz.rng ^= fuzz.rng << 17;
        output[i] = (uint8_t)(fuzz.rng >> 24);
    }
    return 1;
}

/** The UDP socket: hands out the datagram of the current record */
ssize_t
__wrap_recvfrom(int fd, void *buf, size_t len, int flags,
                struct sockaddr *from, socklen_t *fromlen)
{
    (void)fd;
    (void)flags;
    if (!fuzz.dgram)
    {
        errno = EAGAIN;
        return -1;
    }
    size_t n = min_int(fuzz.dgram_len, (int)len);
    memcpy(buf, fuzz.dgram, n);
    fuzz.dgram = NULL;
    if (from && fromlen)
    {
        socklen_t sl = min_int((int)*fromlen, (int)sizeof(fuzz.dgram_from.addr.in4));
        memcpy(from, &fuzz.dgram_from.addr.in4, sl);
        *fromlen = sl;
    }
    return (ssize_t)n;
}

/** The UDP socket: every reply is sent */
ssize_t
__wrap_sendto(int fd, const void *buf, size_t len, int flags,
              const struct sockaddr *to, socklen_t tolen)
{
    (void)fd;
    (void)buf;
    (void)flags;
    (void)to;
    (void)tolen;
    fuzz.sent++;
    return (ssize_t)len;
}

/** The address of the harness' n-th TCP connection of this input */
static struct openvpn_sockaddr
tcp_peer(int n)
{
    struct openvpn_sockaddr a;

    CLEAR(a);
    a.addr.in4.sin_family = AF_INET;
    a.addr.in4.sin_addr.s_addr = htonl(0xC6336401);   /* 198.51.100.1 */
    a.addr.in4.sin_port = htons((uint16_t)(40000 + n));
    return a;
}

/**
 * The TCP listening socket: a new connection is one end of a socketpair,
 * the harness keeps the other end as the client
 */
int
__wrap_accept(int sd, struct sockaddr *addr, socklen_t *addrlen)
{
    (void)sd;
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    {
        fake_fail("socketpair: %s", strerror(errno));
    }
    if (fcntl(sv[1], F_SETFL, O_NONBLOCK) != 0)
    {
        fake_fail("fcntl: %s", strerror(errno));
    }
    struct sockaddr_in sin = tcp_peer(fuzz.n_accepts++).addr.in4;
    if (addr && addrlen)
    {
        socklen_t sl = min_int((int)*addrlen, (int)sizeof(sin));
        memcpy(addr, &sin, sl);
        *addrlen = sizeof(sin);
    }
    if (fuzz.client_fd >= 0)
    {
        close(fuzz.client_fd);
    }
    fuzz.client_fd = sv[1];
    return sv[0];
}

/* ------------------------------------------------------------------------ */
/* set-up                                                                   */
/* ------------------------------------------------------------------------ */

static const char *
key_path(const char *name, struct gc_arena *gc)
{
    struct buffer b = alloc_buf_gc(strlen(fuzz.key_dir) + strlen(name) + 2, gc);
    buf_printf(&b, "%s/%s", fuzz.key_dir, name);
    return BSTR(&b);
}

/**
 * The command line of a server with wrap \c wrap over UDP or TCP, in
 * \c argv (at least 32 entries); returns argc
 */
static int
server_argv(int wrap, bool tcp, char **argv, struct gc_arena *gc)
{
    int argc = 0;

#define ARG(a) (argv[argc++] = (char *)(a))
    ARG("openvpn");
    ARG("--mode"); ARG("server");
    ARG("--tls-server");
    ARG("--dev"); ARG("tun");
    ARG("--disable-dco");
    ARG("--proto"); ARG(tcp ? "tcp-server" : "udp");
    ARG("--ca"); ARG(key_path("ca.crt", gc));
    ARG("--cert"); ARG(key_path("server-ec.crt", gc));
    ARG("--key"); ARG(key_path("server-ec.key", gc));
    ARG("--dh"); ARG("none");
    switch (wrap)
    {
        case 1:
            ARG("--tls-auth"); ARG(key_path("ta.key", gc)); ARG("0");
            break;

        case 2:
            ARG("--tls-crypt"); ARG(key_path("ta.key", gc));
            break;

        case 3:
            ARG("--tls-crypt-v2"); ARG(key_path("tc2-server.key", gc));
            break;

        default:
            break;
    }
#undef ARG
    argv[argc] = NULL;
    return argc;
}

/**
 * The harness' client: its wrap key loaded by the real
 * do_init_tls_wrap_key() from client options, and a tls_wrap_ctx set up
 * as do_init_crypto_tls() and tls_session_init() set up a client's.
 */
static void
client_init(struct fuzz_server *s, struct gc_arena *gc)
{
    struct context *c = &s->client;

    c->gc = gc_new();
    init_options(&c->options, true);
    c->options.tls_client = true;
    c->options.authname = s->top.options.authname;
    switch (s->wrap)
    {
        case 1:
            c->options.ce.tls_auth_file = key_path("ta.key", gc);
            c->options.ce.key_direction = KEY_DIRECTION_INVERSE;
            s->cwrap.mode = TLS_WRAP_AUTH;
            break;

        case 2:
            c->options.ce.tls_crypt_file = key_path("ta.key", gc);
            s->cwrap.mode = TLS_WRAP_CRYPT;
            /* tls_wrap_control() appends the WKc to a V3 reset or a
             * P_CONTROL_WKC_V1, which a real tls-crypt client never
             * sends; the fuzzer may: append nothing */
            s->no_wkc = alloc_buf(1);
            s->cwrap.tls_crypt_v2_wkc = &s->no_wkc;
            break;

        case 3:
            c->options.ce.tls_crypt_v2_file = key_path("tc2-client.key", gc);
            s->cwrap.mode = TLS_WRAP_CRYPT;
            s->cwrap.tls_crypt_v2_wkc = &c->c1.ks.tls_crypt_v2_wkc;
            break;

        default:
            return;
    }
    do_init_tls_wrap_key(c);
    s->cwrap.opt.key_ctx_bi = c->c1.ks.tls_wrap_key;
    s->cwrap.opt.flags |= CO_PACKET_ID_LONG_FORM;
    s->cwrap.work = alloc_buf(BUF_SIZE(&s->top.c2.frame) + MAX_PACKET);
    packet_id_init(&s->cwrap.opt.packet_id, s->top.options.replay_window,
                   s->top.options.replay_time, "FUZZ_CLIENT", 0);
    s->wrapbuf = alloc_buf(BUF_SIZE(&s->top.c2.frame) + MAX_PACKET);
}

/** A server as tunnel_server_udp() / tunnel_server_tcp() sets it up */
static void
server_init(struct fuzz_server *s, int cfg)
{
    struct context *top = &s->top;
    char *argv[32];

    s->wrap = cfg & FLAG_WRAP_MASK;
    s->tcp = (cfg & FLAG_TCP) != 0;

    top->gc = gc_new();
    ALLOC_OBJ_CLEAR_GC(top->sig, struct signal_info, &top->gc);
    top->c2.es = env_set_create(NULL);
    top->c2.es_owned = true;
    top->es = top->c2.es;

    init_options(&top->options, true);
    /* the options keep pointers to the strings: the key files are read
     * again for every client instance */
    int argc = server_argv(s->wrap, s->tcp, argv, &top->gc);
    parse_argv(&top->options, argc, argv, M_USAGE, OPT_P_DEFAULT, NULL, top->es);
    options_postprocess(&top->options, top->es);

    top->mode = CM_TOP;
    top->multi = &s->multi;
    top->first_time = false;
    gc_init(&top->c2.gc);
    pre_connect_restore(&top->options, &top->c2.gc);
    next_connection_entry(top);

    /* no tun device: a tuntap object that is not open (tun_set() and
     * dco_event_set() skip it) */
    ALLOC_OBJ_CLEAR(top->c1.tuntap, struct tuntap);
    top->c1.tuntap->fd = -1;
    top->c1.tuntap->type = DEV_TYPE_TUN;
    top->c1.tuntap_owned = true;

    /* the server's socket: the harness answers recvfrom()/accept(); for
     * TCP a socket that is never readable stands in for the listening
     * one in the event set */
    top->c2.link_socket = link_socket_new();
    top->c2.link_socket_owned = true;
    top->c2.link_socket->info.proto = top->options.ce.proto;
    top->c2.link_socket->info.af = AF_INET;
    top->c2.link_socket->info.lsa = &top->c1.link_socket_addr;
    top->c2.link_socket->mode = s->tcp ? LS_MODE_TCP_LISTEN : LS_MODE_DEFAULT;
    s->listen_pair[0] = s->listen_pair[1] = -1;
    if (s->tcp)
    {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->listen_pair) != 0)
        {
            fake_fail("socketpair: %s", strerror(errno));
        }
        top->c2.link_socket->sd = s->listen_pair[0];
    }
    else
    {
        top->c2.link_socket->sd = socket(AF_INET, SOCK_DGRAM, 0);
    }
    top->c2.link_socket_info = &top->c2.link_socket->info;

    /* what init_instance() does for CM_TOP: tls_auth_standalone, the
     * cookie HMAC, the frames */
    do_init_crypto(top, CF_INIT_TLS_AUTH_STANDALONE);
    if (IS_SIG(top) || !top->c2.tls_auth_standalone)
    {
        fake_fail("cannot initialise the server's crypto (%s)", wrap_names[s->wrap]);
    }
    do_init_frame(top);
    do_init_frame_tls(top);

    multi_init(&s->multi, top, s->tcp);
    multi_top_init(&s->multi, top);

    client_init(s, &top->gc);
    s->ready = true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;

    fuzz.verbose = getenv("FUZZ_VERBOSE") != NULL;
    fuzz.key_dir = getenv("FUZZ_KEY_DIR") ? getenv("FUZZ_KEY_DIR") : FUZZ_KEY_DIR;
    fuzz.client_fd = -1;
    fuzz.now.tv_sec = FUZZ_EPOCH;
    fuzz.rng = 0x9e3779b97f4a7c15ULL;
    fuzz_log.verbose = fuzz.verbose;
    /* the messages error.c writes itself (x_check_status() calls x_msg()
     * inside its object, where --wrap does not reach) go to stdout */
    error_reset();
    if (!fuzz.verbose && !freopen("/dev/null", "w", stdout))
    {
        fake_fail("cannot redirect stdout");
    }
    /* every message reaches x_msg(): debug arguments are evaluated too
     * (FUZZ_DEBUG_LEVEL lowers it, for speed) */
    const char *level = getenv("FUZZ_DEBUG_LEVEL");
    set_debug_level(level ? atoi(level) : 11, 0);
    /* what init_verb_mute() sets: I/O errors are logged, not fatal */
    set_check_status(D_LINK_ERRORS, D_READ_WRITE);
    update_time();

    init_ssl_lib();
    /* the signal handlers of a real server are not needed: nothing is
     * ever delivered asynchronously here */
    return 0;
}

/* ------------------------------------------------------------------------ */
/* one input                                                                */
/* ------------------------------------------------------------------------ */

static void
advance_clock(int secs)
{
    fuzz.now.tv_sec += secs;
    update_time();
}

static struct multi_instance *
instance_of(struct fuzz_server *s, const struct openvpn_sockaddr *from)
{
    struct mroute_addr real;

    if (!mroute_extract_openvpn_sockaddr(&real, from, true))
    {
        return NULL;
    }
    return (struct multi_instance *)hash_lookup(s->multi.hash, &real);
}

/**
 * The server's session id as the peer that sends \c pkt would know it:
 * the session of its instance that talks to the packet's session id (or
 * the active one), else the HMAC cookie the server sends a new peer.
 */
static bool
server_sid_for(struct fuzz_server *s, const uint8_t *pkt, int len,
               const struct openvpn_sockaddr *from, struct session_id *out)
{
    struct session_id peer;

    if (len < 1 + SID_SIZE)
    {
        return false;
    }
    memcpy(peer.id, pkt + 1, SID_SIZE);

    struct multi_instance *mi = instance_of(s, from);
    if (mi && mi->context.c2.tls_multi)
    {
        struct tls_multi *tm = mi->context.c2.tls_multi;
        for (int i = 0; i < TM_SIZE; i++)
        {
            const struct tls_session *ses = &tm->session[i];
            if (session_id_equal(&ses->key[KS_PRIMARY].session_id_remote, &peer))
            {
                *out = ses->session_id;
                return true;
            }
        }
        *out = tm->session[TM_ACTIVE].session_id;
        return true;
    }
    if (s->tcp)
    {
        return false;
    }
    *out = calculate_session_id_hmac(peer, from, s->multi.top.c2.session_id_hmac,
                                     s->multi.top.options.handshake_window, 0);
    return true;
}

static void
replace_sid_markers(struct fuzz_server *s, uint8_t *pkt, int len,
                    const struct openvpn_sockaddr *from)
{
    struct session_id sid;
    bool have = false;

    for (int i = 0; i + SID_SIZE <= len; i++)
    {
        if (memcmp(pkt + i, server_sid_marker, SID_SIZE) == 0)
        {
            if (!have && !server_sid_for(s, pkt, len, from, &sid))
            {
                return;
            }
            have = true;
            memcpy(pkt + i, sid.id, SID_SIZE);
            i += SID_SIZE - 1;
        }
    }
}

/**
 * Wrap \c pkt (opcode byte, session id, rest) as the client would send it;
 * returns the wrapped length in \c out, or -1 when it cannot be wrapped
 * (then the packet goes out as it is)
 */
static int
client_wrap(struct fuzz_server *s, const uint8_t *pkt, int len, uint8_t *out,
            int outsize)
{
    if (s->wrap == 0 || len < 1 + SID_SIZE)
    {
        return -1;
    }

    /* a copy: for tls-crypt, tls_wrap_control() points it at ctx->work */
    struct buffer wb = s->wrapbuf;
    struct buffer *b = &wb;
    struct session_id sid;

    ASSERT(buf_init(b, 256));
    ASSERT(buf_write(b, pkt + 1 + SID_SIZE, len - 1 - SID_SIZE));
    memcpy(sid.id, pkt + 1, SID_SIZE);
    tls_wrap_control(&s->cwrap, pkt[0], b, &sid);
    if (BLEN(b) <= 0 || BLEN(b) > outsize)
    {
        return -1;
    }
    memcpy(out, BPTR(b), BLEN(b));
    return BLEN(b);
}

/** A server-wide signal caused by a peer's packet would restart the server */
static void
check_top(struct fuzz_server *s)
{
    if (IS_SIG(&s->multi.top))
    {
        fake_fail("signal %d (%s) on the server's top context",
                  s->multi.top.sig->signal_received,
                  s->multi.top.sig->signal_text ? s->multi.top.sig->signal_text : "");
    }
}

/**
 * multi_get_timeout(), as the loops call it before they wait: whether the
 * earliest instance timer is due now (the wait would time out at once)
 */
static bool
instance_timer_due(struct multi_context *m)
{
    multi_get_timeout(m, &m->top.c2.timeval);
    return m->earliest_wakeup && m->top.c2.timeval.tv_sec == 0
           && m->top.c2.timeval.tv_usec == 0;
}

/**
 * Turns of the UDP server loop: write what is pending, read the datagram
 * if there is one, serve the instance timers that are due, until idle
 */
static void
udp_loop(struct fuzz_server *s)
{
    struct multi_context *m = &s->multi;

    for (int turn = 0; turn < MAX_LOOP_TURNS; turn++)
    {
        bool due = instance_timer_due(m);

        /* what io_wait() would report, in the order p2mp_iow_flags()
         * asks for: output first */
        if (m->pending || (m->hmac_reply_dest && m->hmac_reply.len > 0))
        {
            m->top.c2.event_set_status = SOCKET_WRITE;
        }
        else if (fuzz.dgram)
        {
            m->top.c2.event_set_status = SOCKET_READ;
        }
        else if (due)
        {
            m->top.c2.event_set_status = ES_TIMEOUT;
        }
        else
        {
            break;
        }
        multi_udp_process_events(m);
        check_top(s);
    }
    fuzz.dgram = NULL;
}

static void
drain_client(void)
{
    uint8_t buf[4096];

    while (fuzz.client_fd >= 0 && read(fuzz.client_fd, buf, sizeof(buf)) > 0)
    {
    }
}

/** Turns of the TCP server loop until idle */
static void
tcp_loop(struct fuzz_server *s)
{
    struct multi_context *m = &s->multi;

    for (int turn = 0; turn < MAX_LOOP_TURNS; turn++)
    {
        bool due = instance_timer_due(m);
        /* never block: the clock only moves with the input */
        m->top.c2.timeval.tv_sec = 0;
        m->top.c2.timeval.tv_usec = 0;
        int status = multi_tcp_wait(&m->top, m->mtcp);
        check_top(s);
        if (status == 0 && !due)
        {
            break;
        }
        multi_tcp_process_events(m, status);
        check_top(s);
        drain_client();
    }
}

/** A new TCP connection, as multi_tcp_process_io() accepts it */
static void
tcp_connect(struct fuzz_server *s)
{
    struct multi_context *m = &s->multi;

    socket_reset_listen_persistent(m->top.c2.link_socket);
    struct multi_instance *mi = multi_create_instance_tcp(m);
    if (mi)
    {
        multi_tcp_action(m, mi, TA_INITIAL, false);
    }
    check_top(s);
}

static void
tcp_disconnect(void)
{
    if (fuzz.client_fd >= 0)
    {
        close(fuzz.client_fd);
        fuzz.client_fd = -1;
    }
}

/** Close every instance left, as the server's shutdown does */
static void
server_end(struct fuzz_server *s)
{
    struct multi_context *m = &s->multi;
    struct multi_instance *left[64];
    int n = 0;
    struct hash_iterator hi;
    struct hash_element *he;

    /* collect first: closing removes the instance from m->iter */
    hash_iterator_init(m->iter, &hi);
    while ((he = hash_iterator_next(&hi)) && n < (int)SIZE(left))
    {
        left[n++] = (struct multi_instance *)he->value;
    }
    hash_iterator_free(&hi);
    for (int i = 0; i < n; i++)
    {
        /* not a shutdown: the multi_context lives on, the instance has
         * to leave the hashes and the schedule */
        left[i]->context.sig->signal_received = SIGTERM;
        multi_close_instance(m, left[i], false);
    }
    if (m->n_clients != 0)
    {
        fake_fail("%d clients left after closing all instances", m->n_clients);
    }
    m->pending = NULL;
    m->earliest_wakeup = NULL;
    m->hmac_reply_dest = NULL;
    m->hmac_reply.len = 0;
    m->top.c2.to_link.len = 0;

    /* the connection rate limits count across inputs otherwise (the
     * clock restarts with every input) */
    frequency_limit_free(m->new_connection_limiter);
    m->new_connection_limiter = frequency_limit_init(m->top.options.cf_max,
                                                     m->top.options.cf_per);
    initial_rate_limit_free(m->initial_rate_limiter);
    m->initial_rate_limiter = initial_rate_limit_init(m->top.options.cf_initial_max,
                                                      m->top.options.cf_initial_per);
}

/* ------------------------------------------------------------------------ */
/* structure-aware mutation                                                 */
/* ------------------------------------------------------------------------ */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/** Where the records of an input start (after the flag byte) */
static int
split_records(const uint8_t *data, size_t size, size_t *off, size_t *len,
              int max)
{
    size_t pos = 1;
    int n = 0;

    while (n < max && pos + 3 <= size)
    {
        size_t l = ((size_t)data[pos + 1] << 8) | data[pos + 2];
        if (pos + 3 + l > size)
        {
            l = size - pos - 3;
        }
        off[n] = pos;
        len[n] = 3 + l;
        pos += 3 + l;
        n++;
    }
    return n;
}

/** xorshift32 on the seed libFuzzer gives a mutator */
static unsigned int
mut_rand(unsigned int *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/**
 * Mutations that keep the record structure: the byte-level mutations of
 * libFuzzer on one record's packet with its length fixed up afterwards,
 * dropping, duplicating or swapping whole records, a new ctl byte.
 * Otherwise a mutation of one length field shifts every record after it,
 * and sequences of valid packets (a reset, then an ACK, then a
 * ClientHello) hardly ever come out of mutating inputs.  Half of the time
 * libFuzzer's own mutations run on the whole input.
 */
size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                        unsigned int seed)
{
    static uint8_t out[65536];
    size_t off[MAX_RECORDS], len[MAX_RECORDS];
    unsigned int st = seed ? seed : 1;
    int n = size > 0 ? split_records(data, size, off, len, MAX_RECORDS) : 0;

    if (n == 0 || max_size > sizeof(out) || mut_rand(&st) % 2 == 0)
    {
        return LLVMFuzzerMutate(data, size, max_size);
    }

    int r = (int)(mut_rand(&st) % (unsigned int)n);
    size_t o = 1;
    out[0] = data[0];
    switch (mut_rand(&st) % 5)
    {
        case 0: /* drop record r */
            for (int i = 0; i < n; i++)
            {
                if (i != r)
                {
                    memcpy(out + o, data + off[i], len[i]);
                    o += len[i];
                }
            }
            break;

        case 1: /* duplicate record r */
            if (size + len[r] > max_size || n >= MAX_RECORDS)
            {
                return LLVMFuzzerMutate(data, size, max_size);
            }
            for (int i = 0; i < n; i++)
            {
                memcpy(out + o, data + off[i], len[i]);
                o += len[i];
                if (i == r)
                {
                    memcpy(out + o, data + off[i], len[i]);
                    o += len[i];
                }
            }
            break;

        case 2: /* swap records r and r+1 */
            for (int i = 0; i < n; i++)
            {
                int j = (i == r && r + 1 < n) ? r + 1 : (i == r + 1 ? r : i);
                memcpy(out + o, data + off[j], len[j]);
                o += len[j];
            }
            break;

        case 3: /* a new ctl byte for record r */
            memcpy(out + 1, data + 1, size - 1);
            o = size;
            out[off[r]] = (uint8_t)mut_rand(&st);
            break;

        default: /* mutate record r's packet, then fix its length */
        {
            size_t room = max_size - (size - len[r]);
            if (room < 3)
            {
                return LLVMFuzzerMutate(data, size, max_size);
            }
            memcpy(out + 1, data + 1, off[r] - 1);
            o = off[r];
            memcpy(out + o, data + off[r], len[r]);
            size_t l = LLVMFuzzerMutate(out + o + 3, len[r] - 3,
                                        min_int((int)room - 3, MAX_PACKET));
            out[o + 1] = (uint8_t)(l >> 8);
            out[o + 2] = (uint8_t)l;
            o += 3 + l;
            for (int i = r + 1; i < n; i++)
            {
                memcpy(out + o, data + off[i], len[i]);
                o += len[i];
            }
            break;
        }
    }
    if (o > max_size)
    {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    memcpy(data, out, o);
    return o;
}

/**
 * Cross-over at record boundaries: the flag byte and the first records of
 * one input, the last records of the other
 */
size_t
LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                          const uint8_t *data2, size_t size2,
                          uint8_t *out, size_t max_out_size, unsigned int seed)
{
    size_t off1[MAX_RECORDS], len1[MAX_RECORDS];
    size_t off2[MAX_RECORDS], len2[MAX_RECORDS];
    unsigned int st = seed ? seed : 1;

    if (size1 < 1 || max_out_size < 1)
    {
        return 0;
    }
    int n1 = split_records(data1, size1, off1, len1, MAX_RECORDS);
    int n2 = size2 > 0 ? split_records(data2, size2, off2, len2, MAX_RECORDS) : 0;
    int k1 = (int)(mut_rand(&st) % (unsigned int)(n1 + 1));
    int k2 = (int)(mut_rand(&st) % (unsigned int)(n2 + 1));
    size_t o = 1;

    out[0] = data1[0];
    for (int i = 0; i < k1 && o + len1[i] <= max_out_size; i++)
    {
        memcpy(out + o, data1 + off1[i], len1[i]);
        o += len1[i];
    }
    for (int i = k2; i < n2 && o + len2[i] <= max_out_size
         && i - k2 + k1 < MAX_RECORDS; i++)
    {
        memcpy(out + o, data2 + off2[i], len2[i]);
        o += len2[i];
    }
    return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[MAX_PACKET];
    static uint8_t wrapped[MAX_PACKET + 1024];

    if (size < 1 || size > 65536)
    {
        return -1;
    }

    const uint8_t flags = data[0];
    const int cfg = flags & (FLAG_WRAP_MASK | FLAG_TCP);
    struct fuzz_server *s = &servers[cfg];

    fuzz.now.tv_sec = FUZZ_EPOCH;
    fuzz.now.tv_usec = 0;
    update_time();
    if (!s->ready)
    {
        server_init(s, cfg);
    }
    fuzz.rng = 0x9e3779b97f4a7c15ULL;
    fuzz.n_accepts = 0;
    fuzz.sent = 0;

    if (s->wrap)
    {
        reset_packet_id_send(&s->cwrap.opt.packet_id.send);
        if (s->wrap == 3 && (flags & FLAG_EARLY_NEG))
        {
            s->cwrap.opt.packet_id.send.id = EARLY_NEG_START;
        }
    }

    data++;
    size--;
    for (int r = 0; r < MAX_RECORDS && size >= 3; r++)
    {
        const uint8_t ctl = data[0];
        int len = (data[1] << 8) | data[2];
        data += 3;
        size -= 3;
        if ((size_t)len > size)
        {
            len = (int)size;
        }
        if (len > MAX_PACKET)
        {
            len = MAX_PACKET;
        }
        memcpy(pkt, data, len);
        data += len;
        size -= len;

        int secs = advance_secs[ctl & CTL_ADVANCE_MASK];
        if (secs)
        {
            advance_clock(secs);
            if (s->tcp)
            {
                tcp_loop(s);
            }
            else
            {
                udp_loop(s);
            }
        }
        if (ctl & CTL_NO_PACKET)
        {
            continue;
        }

        struct openvpn_sockaddr from;
        if (s->tcp)
        {
            from = tcp_peer(fuzz.n_accepts - 1);
            if ((ctl & CTL_RECONNECT) || fuzz.client_fd < 0
                || !instance_of(s, &from))
            {
                tcp_disconnect();
                tcp_loop(s);
                tcp_connect(s);
                from = tcp_peer(fuzz.n_accepts - 1);
            }
        }
        else
        {
            CLEAR(from);
            bool peer2 = (ctl & CTL_PEER2_RAW) != 0;
            from.addr.in4.sin_family = AF_INET;
            from.addr.in4.sin_addr.s_addr = (ctl & CTL_UNSPEC_SRC) ? htonl(INADDR_ANY)
                                            : htonl(peer2 ? 0xC6336402 : 0xC6336401);
            from.addr.in4.sin_port = htons(peer2 ? 1195 : 1194);
        }

        replace_sid_markers(s, pkt, len, &from);
        const uint8_t *out = pkt;
        int outlen = len;
        if (ctl & CTL_WRAP)
        {
            int n = client_wrap(s, pkt, len, wrapped, sizeof(wrapped));
            if (n >= 0)
            {
                out = wrapped;
                outlen = n;
            }
        }

        if (s->tcp)
        {
            if (fuzz.client_fd < 0)
            {
                continue;
            }
            uint8_t hdr[2] = { (uint8_t)(outlen >> 8), (uint8_t)outlen };
            if (!(ctl & CTL_PEER2_RAW))
            {
                (void)!write(fuzz.client_fd, hdr, sizeof(hdr));
            }
            (void)!write(fuzz.client_fd, out, outlen);
            tcp_loop(s);
        }
        else
        {
            fuzz.dgram = out;
            fuzz.dgram_len = outlen;
            fuzz.dgram_from = from;
            udp_loop(s);
        }
    }

    tcp_disconnect();
    if (s->tcp)
    {
        tcp_loop(s);
    }
    server_end(s);
    return 0;
}
