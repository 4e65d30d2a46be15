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
 * What writing the status file costs a DCO server with N clients, per
 * client: one interval's multi_print_status() to a real file (the GET_PEER
 * dump for the counters, then the file), for status-version 1, 2 or 3.
 *
 * The server, its N clients (each with a route to its VPN address, as
 * multi_learn_in_addr_t() leaves it) and the fake ovpn-dco v2 module are
 * those of bench_reap.c, which this file includes.  write() and
 * localtime() are wrapped (-Wl,--wrap) and counted: the write()s to the
 * status file and the time zone lookups (glibc's localtime() checks
 * /etc/localtime with a stat() each time TZ is unset) per interval.
 *
 * Usage: bench_status VERSION N [FILE]
 * Prints one line: version n bytes writes localtimes (per interval).  The
 * interval alone is the function bench_status_phase(): run under
 * valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=bench_status_phase for its instruction count
 * (tests/bench/status.sh, make bench-status).
 */

/* the fake module, the server and its instances; its main() is not ours */
#define main bench_reap_main
#include "bench_reap.c"
#undef main

static int status_fd = -1;
static unsigned long n_writes, n_localtime;

ssize_t __real_write(int fd, const void *buf, size_t count);

ssize_t
__wrap_write(int fd, const void *buf, size_t count)
{
    if (fd >= 0 && fd == status_fd)
    {
        n_writes++;
    }
    return __real_write(fd, buf, count);
}

struct tm *__real_localtime(const time_t *t);

struct tm *
__wrap_localtime(const time_t *t)
{
    n_localtime++;
    return __real_localtime(t);
}

/** The route multi_learn_in_addr_t() adds for client \c id's VPN address */
static void
add_client_route(struct multi_instance *mi, int id)
{
    struct openvpn_sockaddr sa;
    struct multi_route *route;

    CLEAR(sa);
    sa.addr.in4.sin_family = AF_INET;
    sa.addr.in4.sin_addr.s_addr = htonl(0x0A080000 | (uint32_t)(id + 2));
    ALLOC_OBJ_CLEAR(route, struct multi_route);
    if (!mroute_extract_openvpn_sockaddr(&route->addr, &sa, false))
    {
        fake_fail("cannot make the route of instance %d", id);
    }
    route->instance = mi;
    route->cache_generation = multi.route_helper->cache_generation;
    route->last_reference = now - id % 60;
    multi_instance_inc_refcount(mi);
    if (!hash_add(multi.vhash, &route->addr, route, false))
    {
        fake_fail("cannot add the route of instance %d", id);
    }
    mi->reporting_addr = ntohl(sa.addr.in4.sin_addr.s_addr);
}

/**
 * One interval's status file.  Not inlined: callgrind counts this
 * function and its callees.
 */
__attribute__((noinline)) void
bench_status_phase(struct status_output *so, int version)
{
    multi_print_status(&multi, so, version);
}

int
main(int argc, char **argv)
{
    char path[] = "/tmp/bench_status.XXXXXX";
    const char *file = argc > 3 ? argv[3] : NULL;

    if (argc < 3 || argc > 4)
    {
        fake_fail("usage: bench_status 1|2|3 N [FILE]");
    }
    int version = atoi(argv[1]);
    int n = atoi(argv[2]);
    if (version < 1 || version > 3 || n < 1 || n > MAX_PEERS / 2)
    {
        fake_fail("usage: bench_status 1|2|3 N [FILE] (N <= %d)", MAX_PEERS / 2);
    }
    if (!file)
    {
        int fd = mkstemp(path);
        if (fd < 0)
        {
            fake_fail("mkstemp: %s", strerror(errno));
        }
        close(fd);
        file = path;
    }

    set_debug_level(3, 0);
    update_time();
    fake_server_init(&top, &multi, n);
    for (int i = 0; i < n; i++)
    {
        struct multi_instance *mi = fake_add_instance(&multi, i);
        /* clients that connected over the last hour */
        mi->created = now - (i * 7) % 3600;
        kernel.peer[i] = true;
        add_client_route(mi, i);
    }

    struct status_output *so = status_open(file, 5, -1, NULL,
                                           STATUS_OUTPUT_WRITE);
    if (!so || so->fd < 0)
    {
        fake_fail("cannot open %s", file);
    }
    /* a first interval, as the server has written before */
    multi_print_status(&multi, so, version);

    status_fd = so->fd;
    n_writes = n_localtime = 0;
    kernel.dumps = kernel.entries = 0;

    bench_status_phase(so, version);

    status_fd = -1;
    struct stat st;
    if (fstat(so->fd, &st) < 0 || kernel.dumps != 1
        || kernel.entries != (unsigned long)n)
    {
        fake_fail("the interval did not write the file after one dump of "
                  "%d peers", n);
    }
    status_close(so);
    if (file == path)
    {
        unlink(path);
    }
    printf("%d %d %lld %lu %lu\n", version, n, (long long)st.st_size,
           n_writes, n_localtime);
    return 0;
}
