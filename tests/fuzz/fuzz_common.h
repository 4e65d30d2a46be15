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
 * What every harness that tests/fuzz/build.sh links against the daemon's
 * objects shares: fake_fail() (a finding: report and end the run), and
 * for the libFuzzer harnesses (FUZZ_WRAP_LOG defined) the wrappers of
 * x_msg() and assert_failed() (build.sh links with --wrap=x_msg
 * --wrap=assert_failed).
 *
 * The includer defines before including this file:
 *   FAKE_FAIL_PREFIX   what fake_fail() prints before its message
 *   FAKE_FAIL_END()    how fake_fail() ends the run (exit(), abort())
 *   FUZZ_WRAP_LOG      (optional) define __wrap_x_msg()/__wrap_assert_failed()
 */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#if !defined(FAKE_FAIL_PREFIX) || !defined(FAKE_FAIL_END)
#error "define FAKE_FAIL_PREFIX and FAKE_FAIL_END before including fuzz_common.h"
#endif

/** Report what went wrong and end the run (a finding, for the fuzzer) */
static void
fake_fail(const char *fmt, ...)
__attribute__((format(printf, 1, 2), noreturn));

static void
fake_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s", FAKE_FAIL_PREFIX);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    FAKE_FAIL_END();
}

#ifdef FUZZ_WRAP_LOG

static struct
{
    bool verbose;       /**< print the OpenVPN log (FUZZ_VERBOSE) */
} fuzz_log;

/**
 * Every log message is formatted (the harnesses set the debug level to
 * 11, so that arguments of debug messages are evaluated as well): ASAN
 * checks the %s arguments.  M_FATAL is a finding: the daemon would exit.
 */
void
__wrap_x_msg(const unsigned int flags, const char *format, ...)
{
    char line[1024];
    va_list arglist;

    va_start(arglist, format);
    vsnprintf(line, sizeof(line), format, arglist);
    va_end(arglist);

    if (fuzz_log.verbose)
    {
        fprintf(stderr, "%s\n", line);
    }
    if (flags & M_FATAL)
    {
        fake_fail("M_FATAL: %s", line);
    }
}

/** An ASSERT() that fails is a finding */
void
__wrap_assert_failed(const char *filename, int line, const char *condition)
{
    fake_fail("ASSERT failed: %s:%d %s", filename, line,
              condition ? condition : "");
}

#endif /* FUZZ_WRAP_LOG */

#endif /* FUZZ_COMMON_H */
