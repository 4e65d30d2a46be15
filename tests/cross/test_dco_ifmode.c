/*
 * The ovpn-dco interface-creation request on any byte order (series #13,
 * upstream a2037b26 "DCO Linux: Fix setting DCO ifmode failing on big
 * endian archs").
 *
 * open_tun_dco() (dco_linux.c) creates the interface with
 * net_iface_new(ctx, dev, "ovpn-dco", &tt->dco), after ovpn_dco_init() set
 * dco->ifmode to OVPN_MODE_MP (server) or OVPN_MODE_P2P.  net_iface_new()
 * (networking_sitnl.c) sends RTM_NEWLINK with IFLA_LINKINFO {
 * IFLA_INFO_KIND "ovpn-dco", IFLA_INFO_DATA { IFLA_OVPN_MODE } }.  The
 * module's policy (ovpn-dco v2, drivers/net/ovpn-dco/main.c:
 * [IFLA_OVPN_MODE] = NLA_POLICY_RANGE(NLA_U8, ...)) reads one byte.  2.6.14
 * copied the first byte of the enum (an int): the mode on little-endian,
 * but its most significant byte, always 0 (P2P), on big-endian, so a
 * server's interface came up in P2P mode there.
 *
 * This harness links the daemon's networking_sitnl.c (and what it needs,
 * as the networking_testdriver of tests/unit_tests does) against a fake
 * rtnetlink socket: socket/bind/getsockname/sendmsg/recvmsg are wrapped
 * (-Wl,--wrap=...), the request is captured, and the kernel's ACK is
 * faked.  It asserts that IFLA_OVPN_MODE is a one-byte attribute holding
 * the mode, for MP and P2P.  Built and run by tests/cross/cross.sh for
 * each architecture (under qemu-user), with and without #13.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "syshead.h"
#include "networking.h"
#include "dco.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>

/* ------------------------------------------------------ fake rtnetlink */

static unsigned char sent[8192];
static size_t sent_len;
static int sends;

int __real_socket(int domain, int type, int protocol);

int
__wrap_socket(int domain, int type, int protocol)
{
    (void)type;
    (void)protocol;
    assert_int_equal(domain, AF_NETLINK);
    /* a real descriptor, so that setsockopt() and fcntl() work on it */
    return __real_socket(AF_UNIX, SOCK_DGRAM, 0);
}

int
__wrap_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    (void)fd;
    (void)addr;
    (void)len;
    return 0;
}

int
__wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 4242 };

    (void)fd;
    assert_true(*len >= sizeof(nl));
    memcpy(addr, &nl, sizeof(nl));
    *len = sizeof(nl);
    return 0;
}

ssize_t
__wrap_sendmsg(int fd, const struct msghdr *m, int flags)
{
    (void)fd;
    (void)flags;
    sent_len = 0;
    for (size_t i = 0; i < m->msg_iovlen; i++)
    {
        assert_true(sent_len + m->msg_iov[i].iov_len <= sizeof(sent));
        memcpy(sent + sent_len, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
        sent_len += m->msg_iov[i].iov_len;
    }
    sends++;
    return (ssize_t)sent_len;
}

/* the kernel's answer: an ACK (NLMSG_ERROR, error 0) to the request */
ssize_t
__wrap_recvmsg(int fd, struct msghdr *m, int flags)
{
    struct
    {
        struct nlmsghdr h;
        struct nlmsgerr e;
    } ack;
    const struct nlmsghdr *req = (const struct nlmsghdr *)sent;

    (void)fd;
    (void)flags;
    assert_true(sent_len >= sizeof(*req));
    memset(&ack, 0, sizeof(ack));
    ack.h.nlmsg_len = sizeof(ack);
    ack.h.nlmsg_type = NLMSG_ERROR;
    ack.h.nlmsg_seq = req->nlmsg_seq;
    ack.h.nlmsg_pid = 4242;
    ack.e.error = 0;
    ack.e.msg = *req;
    assert_true(m->msg_iovlen >= 1 && m->msg_iov[0].iov_len >= sizeof(ack));
    memcpy(m->msg_iov[0].iov_base, &ack, sizeof(ack));
    if (m->msg_name)
    {
        struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
        memcpy(m->msg_name, &nl, sizeof(nl));
    }
    m->msg_namelen = sizeof(struct sockaddr_nl);
    m->msg_flags = 0;
    return sizeof(ack);
}

/* ---------------------------------------------------- request parsing */

/* the attribute of type TYPE among LEN bytes of attributes at RTA, or NULL */
static const struct rtattr *
find_attr(const struct rtattr *rta, int len, unsigned short type)
{
    for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
    {
        if ((rta->rta_type & NLA_TYPE_MASK) == type)
        {
            return rta;
        }
    }
    return NULL;
}

/* IFLA_OVPN_MODE of the request captured last */
static const struct rtattr *
sent_mode_attr(void)
{
    const struct nlmsghdr *h = (const struct nlmsghdr *)sent;
    const struct rtattr *linkinfo, *kind, *data, *mode;
    int len;

    assert_true(sent_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)));
    assert_int_equal(h->nlmsg_len, sent_len);
    assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
    len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct ifinfomsg));
    linkinfo = find_attr(IFLA_RTA((const struct ifinfomsg *)NLMSG_DATA(h)), len,
                         IFLA_LINKINFO);
    assert_non_null(linkinfo);
    kind = find_attr(RTA_DATA(linkinfo), RTA_PAYLOAD(linkinfo), IFLA_INFO_KIND);
    assert_non_null(kind);
    assert_string_equal((const char *)RTA_DATA(kind), "ovpn-dco");
    data = find_attr(RTA_DATA(linkinfo), RTA_PAYLOAD(linkinfo), IFLA_INFO_DATA);
    assert_non_null(data);
    mode = find_attr(RTA_DATA(data), RTA_PAYLOAD(data), IFLA_OVPN_MODE);
    assert_non_null(mode);
    return mode;
}

static void
check_iface_new(enum ovpn_mode mode)
{
    dco_context_t dco;
    const struct rtattr *a;

    /* what ovpn_dco_init() does before open_tun_dco() */
    memset(&dco, 0, sizeof(dco));
    dco.ifmode = mode;
    sends = 0;
    assert_int_equal(net_iface_new(NULL, "ovpn-test0", "ovpn-dco", &dco), 0);
    assert_int_equal(sends, 1);

    a = sent_mode_attr();
    /* NLA_U8: exactly one byte of payload ... */
    assert_int_equal(RTA_PAYLOAD(a), sizeof(uint8_t));
    /* ... holding the mode */
    assert_int_equal(*(const uint8_t *)RTA_DATA(a), (uint8_t)mode);
}

static void
test_iface_new_mode_mp(void **state)
{
    (void)state;
    check_iface_new(OVPN_MODE_MP);
}

static void
test_iface_new_mode_p2p(void **state)
{
    (void)state;
    check_iface_new(OVPN_MODE_P2P);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iface_new_mode_mp),
        cmocka_unit_test(test_iface_new_mode_p2p),
    };
    const union
    {
        uint32_t u;
        uint8_t b[4];
    } probe = { .u = 1 };

    printf("byte order: %s-endian\n", probe.b[0] ? "little" : "big");
    return cmocka_run_group_tests_name("dco_ifmode", tests, NULL, NULL);
}
