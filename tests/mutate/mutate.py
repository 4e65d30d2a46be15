#!/usr/bin/python3
"""Mutation testing of the fork-only code against the fake-kernel tests.

    tests/mutate/mutate.py            (make mutate)

Finds the lines of src/openvpn/{dco_linux,multi,mudp,mtcp,forward}.c that
the fork-only commits of the series added (git blame at the tree's tip:
lines whose commit is after series-base and has no "[ Upstream commit"
line), makes mutants of them, picks MUTATE_MAX of them with a seeded
choice (so two runs of the same tree test the same mutants), and for each
one: writes the mutated file into an exported copy of the tree, rebuilds
only the fake-kernel test driver (dco_linux_testdriver), runs it with a
timeout, restores the file.  A mutant is killed when the suite fails
(the failing tests are named), crashes or times out; it survives when
every test passes.  A mutant that does not compile is "invalid"; one whose
object file is byte for byte the original's is "same-object" (equivalent
by the compiler's word: e.g. code that is not built on Linux).  Neither
counts in the score, killed / (killed + survived).

The tree is never touched: its commit is exported with git archive into
MUTATE_DIR, configured once (-O0 -g0, ccache) and reused while the commit
is the same.

Operators:
  delete     delete a statement (every line of it)
  guard      delete a guard: "if (C)" whose block leaves (return, break,
             continue, goto) never leaves, "if (0)"; any other guard
             always runs its block, "if (1)"
  negate     negate the condition of an if/while: "if (!(C))"
  cmp        a comparison or loop bound off by one: < <= > >= flipped
  swap       swap two adjacent call statements
  return     return early: "return [0|false|NULL];" before the first
             statement or guard of a block

Environment:
  MUTATE_TREE    the git tree (build/fork/tree)
  MUTATE_REV     its commit (HEAD)
  MUTATE_DIR     the exported, configured copy (build/mutate/<commit>)
  MUTATE_MAX     mutants to run (150, about 20-25 min on 2 cores; 0 = all)
  MUTATE_SEED    seed of the choice (31)
  MUTATE_TIMEOUT seconds per run of the suite (30)
  MUTATE_FILES   the files (dco_linux.c multi.c mudp.c mtcp.c forward.c)
  MUTATE_ONLY    run only these mutant ids (e.g. "M3 M17"), after the choice
  MUTATE_OUT     also write the list as Markdown here (build/mutate/last.md)
  MUTATE_LIST    1: only print the chosen mutants
Exit status: 0, also with survivors (the list is the result); 1 when the
unmutated suite fails or the tree cannot be built.
"""
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TREE = os.environ.get("MUTATE_TREE", os.path.join(REPO, "build/fork/tree"))
REV_ARG = os.environ.get("MUTATE_REV", "HEAD")
MAX = int(os.environ.get("MUTATE_MAX", "150"))
SEED = int(os.environ.get("MUTATE_SEED", "31"))
TIMEOUT = int(os.environ.get("MUTATE_TIMEOUT", "30"))
FILES = os.environ.get("MUTATE_FILES", "dco_linux.c multi.c mudp.c mtcp.c forward.c").split()
ONLY = os.environ.get("MUTATE_ONLY", "").split()
CONFIGURE_ARGS = ["--enable-dco", "--enable-pkcs11", "--with-crypto-library=openssl",
                  "--enable-lz4", "--enable-lzo"]
DRIVER_DIR = "tests/unit_tests/openvpn"
DRIVER = "dco_linux_testdriver"
# the object each file is compiled into (mudp.c and mtcp.c are included
# by the test itself)
OBJECT = {f: "src/openvpn/%s-%s.o" % (DRIVER, f[:-2]) for f in FILES}
OBJECT.update({"mudp.c": DRIVER_DIR + "/" + DRIVER + "-test_dco_linux.o",
               "mtcp.c": DRIVER_DIR + "/" + DRIVER + "-test_dco_linux.o"})


def log(*a):
    print(*a, flush=True)


def die(msg):
    print("mutate: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def git(*args):
    return subprocess.run(["git", "-C", TREE] + list(args), check=True,
                          capture_output=True, text=True).stdout


def run(cmd, cwd, logf, timeout=None):
    with open(logf, "a") as f:
        return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                              timeout=timeout).returncode


def nice(cmd):
    return ["nice", "-n", "10"] + cmd


# ---------------------------------------------------------------- setup ----
def export_and_configure(rev, work):
    stamp = os.path.join(work, ".mutate-configured")
    if os.path.exists(stamp) and open(stamp).read().strip() == rev:
        return
    log("mutate: exporting %s to %s and configuring (once per commit)" % (rev[:12], work))
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    arch = subprocess.Popen(["git", "-C", TREE, "archive", "--format=tar", rev], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-m", "-C", work], stdin=arch.stdout, check=True)
    if arch.wait() != 0:
        die("git archive failed")
    logf = os.path.join(work, "mutate-setup.log")
    env_cc = "ccache gcc" if subprocess.run(["sh", "-c", "command -v ccache"],
                                            capture_output=True).returncode == 0 else "gcc"
    if run(nice(["autoreconf", "-fi"]), work, logf) != 0:
        die("autoreconf failed, see " + logf)
    if run(nice(["env", "CC=" + env_cc, "./configure"] + CONFIGURE_ARGS + ["CFLAGS=-O0 -g0"]),
           work, logf) != 0:
        die("configure failed, see " + logf)
    if run(nice(["make", "-j%d" % os.cpu_count(), "-C", "src/compat"]), work, logf) != 0:
        die("make -C src/compat failed, see " + logf)
    with open(stamp, "w") as f:
        f.write(rev + "\n")


def build_driver(work, logf):
    return run(nice(["make", "-j%d" % os.cpu_count(), "-C", DRIVER_DIR, DRIVER]), work, logf)


def run_suite(work):
    """(verdict, detail): verdict is 'pass' or 'fail'."""
    d = os.path.join(work, DRIVER_DIR)
    try:
        p = subprocess.run(["./" + DRIVER], cwd=d, capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "fail", "timeout (%d s)" % TIMEOUT
    if p.returncode == 0:
        return "pass", ""
    out = p.stdout + p.stderr
    failed = sorted(set(re.findall(r"^\[  (?:FAILED|ERROR) +\] (test_\w+)", out, re.M)))
    running = re.findall(r"^\[ RUN +\] (test_\w+)", out, re.M)
    if not failed and running:
        # the process ended inside a test (exit(), M_FATAL)
        return "fail", "exit %d in %s" % (p.returncode, running[-1])
    if p.returncode < 0:
        # the process died of a signal outside cmocka's handling
        return "fail", "crash (signal %d%s)" % (-p.returncode, ", in " + running[-1] if running else "")
    if re.search(r"Test failed with exception", out):
        return "fail", "crash: " + ", ".join(failed)
    return "fail", ", ".join(failed) or "exit %d" % p.returncode


# ---------------------------------------------------- fork-only lines ----
def fork_only_commits(rev):
    out = set()
    for c in git("rev-list", "series-base.." + rev).split():
        if "[ Upstream commit" not in git("log", "-1", "--format=%B", c):
            out.add(c)
    return out


def fork_only_lines(rev, path, commits):
    """1-based line numbers of path at rev whose blame is a fork-only commit."""
    lines = set()
    for ln in git("blame", "-s", "-l", rev, "--", path).splitlines():
        m = re.match(r"\^?([0-9a-f]{40})\s+(?:\S+\s+)?(\d+)\)", ln)
        if m and m.group(1) in commits:
            lines.add(int(m.group(2)))
    return lines


# ------------------------------------------------------------ mutants ----
DECL = re.compile(r"^\s*(?:static\s+|const\s+|unsigned\s+|struct\s+\w+\s*\*?|enum\s+\w+|"
                  r"(?:int|bool|char|size_t|ssize_t|uint\d+_t|int\d+_t|socklen_t|long|"
                  r"short|float|double|void|dco_context_t|in_addr_t|time_t)\b)")
EXIT = re.compile(r"^\s*(?:return\b|break;|continue;|goto\b)")
CALL_STMT = re.compile(r"^\s*[A-Za-z_][\w>.\-\[\]]*\s*(?:\(|=\s*[A-Za-z_][\w>.\-]*\s*\()")


def strip_strings(s):
    return re.sub(r'"(?:\\.|[^"\\])*"', lambda m: '"' + "_" * (len(m.group(0)) - 2) + '"', s)


def code_mask(text):
    """Per line: True if the line is code (not inside a comment, not a
    preprocessor line, not blank)."""
    res = []
    in_comment = False
    for line in text.split("\n"):
        s = line.strip()
        code = False
        i = 0
        t = strip_strings(line)
        buf = ""
        while i < len(t):
            if in_comment:
                j = t.find("*/", i)
                if j < 0:
                    i = len(t)
                else:
                    in_comment = False
                    i = j + 2
            else:
                j = t.find("/*", i)
                k = t.find("//", i)
                if k >= 0 and (j < 0 or k < j):
                    buf += t[i:k]
                    break
                if j < 0:
                    buf += t[i:]
                    i = len(t)
                else:
                    buf += t[i:j]
                    in_comment = True
                    i = j + 2
        code = bool(buf.strip()) and not s.startswith("#")
        res.append(code)
    return res


def balanced(s):
    s = strip_strings(s)
    return s.count("(") == s.count(")")


def statement_span(lines, i):
    """Line indexes (0-based) of the statement starting at i, or None."""
    s = lines[i]
    j = i
    acc = s
    while not (balanced(acc) and acc.rstrip().endswith(";")):
        j += 1
        if j >= len(lines) or j - i > 8 or lines[j].strip() in ("{", "}"):
            return None
        acc += "\n" + lines[j]
    return list(range(i, j + 1))


def cond_span(lines, i):
    """For 'if (' / 'while (' / 'else if (' at line i: (end line, cond text)."""
    m = re.match(r"^(\s*(?:\}\s*)?(?:else\s+)?(?:if|while)\s*)\(", lines[i])
    if not m:
        return None
    acc = lines[i]
    j = i
    while not balanced(acc):
        j += 1
        if j >= len(lines) or j - i > 6:
            return None
        acc += "\n" + lines[j]
    return j


def block_after(lines, j):
    """The body lines of the block whose '{' is on the line after j."""
    if j + 1 >= len(lines) or lines[j + 1].strip() != "{":
        return None
    indent = len(lines[j + 1]) - len(lines[j + 1].lstrip())
    for k in range(j + 2, min(len(lines), j + 400)):
        if lines[k].strip() == "}" and len(lines[k]) - len(lines[k].lstrip()) == indent:
            return lines[j + 2:k]
    return None


def function_return(lines, i):
    """What 'return early' returns in the function around line i, or None."""
    for k in range(i, 0, -1):
        if lines[k] == "{":
            # signature: name(...) on a line at column 0, type before it
            s = k - 1
            while s > 0 and not re.match(r"^[A-Za-z_]\w*\(", lines[s]):
                s -= 1
            typ = lines[s - 1].strip() if s > 0 else ""
            typ = re.sub(r"^(static|inline|const)\s+", "", typ)
            typ = re.sub(r"^(static|inline|const)\s+", "", typ)
            if typ == "void":
                return "return;"
            if typ.endswith("*"):
                return "return NULL;"
            if typ == "bool":
                return "return false;"
            if re.match(r"^(int|unsigned|ssize_t|size_t|long)$", typ):
                return "return 0;"
            return None
        if lines[k] == "}":
            return None
    return None


CMP = re.compile(r"(?<![<>=!\-])(<=|>=|<|>)(?![<>=])")
FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def mutants_of(fname, text, fork_lines):
    lines = text.split("\n")
    mask = code_mask(text)
    out = []  # (line1, op, {idx: new line text}, shown)

    def add(i, op, repl):
        if op == "delete":
            shown = "deleted: " + " ".join(lines[k].strip() for k in sorted(repl))
        else:
            shown = " / ".join(repl[k].strip() for k in sorted(repl) if repl[k].strip())
        out.append((i + 1, op, repl, shown))

    for ln in sorted(fork_lines):
        i = ln - 1
        if i >= len(lines) or not mask[i]:
            continue
        line = lines[i]
        s = line.strip()
        # conditions
        j = cond_span(lines, i)
        if j is not None:
            head = "\n".join(lines[i:j + 1])
            m = re.match(r"^(\s*(?:\}\s*)?(?:else\s+)?(?:if|while)\s*)\((.*)\)(\s*)$", head, re.S)
            if m:
                pre, cond, post = m.group(1), m.group(2), m.group(3)
                blanks = {k: "" for k in range(i + 1, j + 1)}
                new = dict(blanks)
                new[i] = "%s(!(%s))%s" % (pre, cond.replace("\n", " "), post)
                add(i, "negate", new)
                if pre.strip().endswith("if"):
                    body = block_after(lines, j)
                    leaves = bool(body) and any(EXIT.match(b) for b in body)
                    new = dict(blanks)
                    new[i] = "%s(%s)%s" % (pre, "0" if leaves else "1", post)
                    add(i, "guard", new)
                for mm in CMP.finditer(strip_strings(lines[i])):
                    new = {i: lines[i][:mm.start()] + FLIP[mm.group(1)] + lines[i][mm.end():]}
                    add(i, "cmp", new)
                ret = function_return(lines, i)
                if ret and not s.startswith(("}", "else")) and lines[i - 1].strip() == "{":
                    indent = line[:len(line) - len(line.lstrip())]
                    add(i, "return", {i: indent + ret + " " + line.lstrip()})
            continue
        if re.match(r"^\s*for\s*\(", line) and balanced(line):
            for mm in CMP.finditer(strip_strings(line)):
                add(i, "cmp", {i: line[:mm.start()] + FLIP[mm.group(1)] + line[mm.end():]})
            continue
        # statements
        if s in ("{", "}", "else", "};") or s.startswith(("case ", "default:", "}", "[", ".")):
            continue  # no statement, or an initializer
        if i > 0 and mask[i - 1] and not re.search(r"[;{}]\s*$", lines[i - 1]) \
                and not lines[i - 1].strip().startswith(("case ", "default")):
            continue  # continuation of a statement that starts above
        span = statement_span(lines, i)
        if span is None:
            continue
        is_decl = bool(DECL.match(line)) and not re.match(r"^\s*\w+\s*\(", line)
        if not is_decl:
            add(i, "delete", {k: "" for k in span})
            for mm in CMP.finditer(strip_strings(lines[i])):
                if "return" in s or "?" in s or "&&" in s or "||" in s or "=" in s:
                    add(i, "cmp", {i: lines[i][:mm.start()] + FLIP[mm.group(1)] + lines[i][mm.end():]})
            ret = function_return(lines, i)
            if ret and not EXIT.match(line) and lines[i - 1].strip() == "{":
                indent = line[:len(line) - len(line.lstrip())]
                add(i, "return", {i: indent + ret + " " + line.lstrip()})
            # swap with the next statement: both single-line call statements
            k = span[-1] + 1
            if len(span) == 1 and k < len(lines) and CALL_STMT.match(line) \
                    and CALL_STMT.match(lines[k]) and not DECL.match(lines[k]) \
                    and mask[k] and lines[k].rstrip().endswith(";") and balanced(lines[k]) \
                    and lines[k].strip() != s \
                    and (len(line) - len(line.lstrip())) == (len(lines[k]) - len(lines[k].lstrip())):
                add(i, "swap", {i: lines[k], k: line})
    return out


# ------------------------------------------------------------------ main ----
def main():
    # a kill restores the mutated file too (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rev = git("rev-parse", "--verify", REV_ARG + "^{commit}").strip()
    work = os.path.abspath(os.environ.get("MUTATE_DIR", os.path.join(REPO, "build/mutate", rev[:12])))
    outmd = os.environ.get("MUTATE_OUT", os.path.join(REPO, "build/mutate/last.md"))
    t0 = time.time()
    commits = fork_only_commits(rev)
    export_and_configure(rev, work)
    logf = os.path.join(work, "mutate-build.log")
    open(logf, "w").close()

    everything = []
    for f in FILES:
        path = "src/openvpn/" + f
        text = open(os.path.join(work, path)).read()
        fl = fork_only_lines(rev, path, commits)
        for (ln, op, repl, shown) in mutants_of(f, text, fl):
            everything.append((f, ln, op, repl, shown))
    everything.sort(key=lambda m: (FILES.index(m[0]), m[1], m[2], m[4]))
    # a seeded shuffle of all candidates; the first MAX run, so a smaller
    # MUTATE_MAX runs a prefix of a larger one and every mutant keeps its
    # id (its place in the shuffle) across runs
    order = list(everything)
    random.Random(SEED).shuffle(order)
    ident = {id(m): "M%d" % (n + 1) for n, m in enumerate(order)}
    if 0 < MAX < len(order):
        order = order[:MAX]
    chosen = sorted(order, key=lambda m: (FILES.index(m[0]), m[1], m[2], m[4]))
    ids = [ident[id(m)] for m in chosen]
    log("mutate: tree %s (%s), %d fork-only commits; %d candidate mutants in %s; running %s "
        "(MUTATE_MAX=%d, MUTATE_SEED=%d)"
        % (rev[:12], git("log", "-1", "--format=%s", rev).strip(), len(commits), len(everything),
           " ".join(FILES), len(chosen), MAX, SEED))

    if os.environ.get("MUTATE_LIST") == "1":
        for mid, (f, ln, op, repl, shown) in zip(ids, chosen):
            log("%-5s %s:%d %-7s | %s" % (mid, f, ln, op, shown[:110]))
        return 0
    # the unmutated suite must build and pass; remember each object
    if build_driver(work, logf) != 0:
        die("the unmutated driver does not build, see " + logf)
    verdict, detail = run_suite(work)
    if verdict != "pass":
        die("the unmutated suite fails: " + detail)

    def obj_hash(f):
        with open(os.path.join(work, OBJECT[f]), "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    base_obj = {f: obj_hash(f) for f in FILES}

    results = []
    for mid, (f, ln, op, repl, shown) in zip(ids, chosen):
        if ONLY and mid not in ONLY:
            continue
        path = os.path.join(work, "src/openvpn", f)
        orig = open(path).read()
        lines = orig.split("\n")
        for k, v in repl.items():
            lines[k] = v
        try:
            with open(path, "w") as fh:
                fh.write("\n".join(lines))
            if build_driver(work, logf) != 0:
                status, detail = "invalid", "does not compile"
            elif obj_hash(f) == base_obj[f]:
                status, detail = "same-object", "the compiled object is the original's"
            else:
                verdict, detail = run_suite(work)
                status = "killed" if verdict == "fail" else "SURVIVED"
        finally:
            with open(path, "w") as fh:
                fh.write(orig)
        results.append((mid, f, ln, op, shown, status, detail))
        names = detail.split(", ")
        short = detail if len(names) <= 3 else "%s and %d more" % (", ".join(names[:3]), len(names) - 3)
        log("%-5s %s:%d %-7s %-9s %s | %s" % (mid, f, ln, op, status, shown[:100], short))
    # leave the driver built from the unmutated sources
    build_driver(work, logf)

    killed = sum(1 for r in results if r[5] == "killed")
    surv = [r for r in results if r[5] == "SURVIVED"]
    invalid = sum(1 for r in results if r[5] == "invalid")
    same = sum(1 for r in results if r[5] == "same-object")
    scored = killed + len(surv)
    score = "%d/%d killed (%.0f%%)" % (killed, scored, 100.0 * killed / scored) if scored else "no mutant scored"
    log("mutate: %s; %d survived, %d invalid (do not compile), %d same object; %d s"
        % (score, len(surv), invalid, same, time.time() - t0))
    for r in surv:
        log("mutate: SURVIVED %s %s:%d %s | %s" % (r[0], r[1], r[2], r[3], r[4]))
    os.makedirs(os.path.dirname(outmd), exist_ok=True)
    with open(outmd, "w") as fh:
        fh.write("Tree %s (%s), MUTATE_MAX=%d, MUTATE_SEED=%d, %s, %d s\n\n"
                 % (rev[:12], git("log", "-1", "--format=%s", rev).strip(), MAX, SEED,
                    time.strftime("%Y-%m-%d", time.gmtime()), time.time() - t0))
        fh.write("Score: %s; %d invalid, %d same object.\n\n" % (score, invalid, same))
        fh.write("| id | file:line | operator | mutated line | result | detail |\n")
        fh.write("|---|---|---|---|---|---|\n")
        for r in results:
            fh.write("| %s | %s:%d | %s | `%s` | %s | %s |\n"
                     % (r[0], r[1], r[2], r[3], r[4].replace("|", "\\|")[:140], r[5],
                        r[6].replace("|", "\\|")))
    log("mutate: list written to " + outmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
