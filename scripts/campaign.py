#!/usr/bin/env python3
"""A hostile-input campaign against the `optdyn` binary.

Generates COUNT invocations from SEED (malformed and edge-case values for every command's
options, hostile sizes, outputs onto devices, symlinks and directories, closed pipes), runs each
in its own scratch directory with a time limit and an address-space limit, and classifies the
outcome. A failure is: a panic (exit 101 or "panicked" on stderr), death by a signal other than
the SIGPIPE the campaign provokes on purpose, a timeout of a small request, a non-zero exit
whose stderr is not exactly one line `optdyn: error: …` (exit 2) or the stop line (exit 3), or a
success (exit 0) that wrote "NaN" into standard output or a result file.

    python3 scripts/campaign.py --binary target/release/optdyn [--seed 1] [--count 1000]
            [--jobs 2] [--timeout 10] [--mem-gb 4] [--report campaign.json]

Exit status 1 when any invocation failed (each is listed with its command line).
"""

import argparse
import json
import os
import random
import re
import resource
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

OBJECTIVES = ["rosen1d:c=4", "rosenbrock", "quadratic:diag=1;10", "beale", "himmelblau",
              "sphere", "expr:(x-4)^2", "expr:x^2+y^2", "lsq:n=20", "logistic:n=20",
              "mlp:n=20,widths=2;4;1,data=teacher", "regression:n=50"]
BAD_OBJECTIVES = ["", "rosen1d:c=", "rosen1d:c=nan", "rosen1d:c=-1", "nosuch", "expr:", "expr:(x",
                  "expr:x^^2", "quadratic:diag=", "quadratic:diag=1;;2", "lsq:n=1e18",
                  "lsq:n=-3", "rosen1d:c=1e400", "expr:log(x)", "rosenbrock:a=inf",
                  "expr:x\ny", "mlp:widths=2;0;1", "rosen1d:c=4,c=5", "rosen1d:d=1",
                  "expr:" + "x+" * 2000 + "x", "quadratic:diag=1e308;1e308",
                  "expr:1/x", "expr:sqrt(x)", "lsq:n=100000000000"]
X0 = ["1", "2", "-1.5", "1,1", "0.5,0.5", "-1.2,1", "1,2,3", "0", "0.1"]
BAD_X0 = ["", "1,,2", "nan", "inf", "1e400", "abc", "1;2;", ",", "1 2", "--1", "0x10",
          "1e308,1e308", "-0", "1\n2", "@", "@/nonexistent.npy", "@/dev/null", "@/etc/passwd",
          "@.", "@x0.npy"]
OPTIMIZERS = ["sgd:lr=0.01", "adam:lr=1e-2", "adam:lr=0.01,beta1=0.99", "rmsprop:lr=0.001",
              "adagrad:lr=0.1", "sgd:lr=0.01,momentum=0.9", "adamw", "nadam", "radam", "lion",
              "adamax", "adadelta", "kadam", "scalar-rmsprop", "nag-c",
              "sgd:lr=0.01,momentum=0.9,nesterov=true", "adam:lr=10", "sgd:lr=1e3"]
BAD_OPTIMIZERS = ["", "adam:lr=nan", "adam:lr=-1", "adam:beta1=1", "sgd:lr=abc", "adam:lr=1e400",
                  "nosuch", "adam:betaa=1", "sgd:nesterov=true", "adam:lr=", "adam:lr=0",
                  "kadam:k=0", "kadam:k=1000000", "adam:eps=0", "sgd:lr=0.1\n",
                  "adam:lr=0.1,lr=0.2", "lion:beta2=1.5"]
MODELS = ["gradient-flow", "modified-flow", "heavy-ball", "nesterov", "adam-ide1",
          "adam-ide2:u0=1", "adagrad-ide1", "rmsprop-ide1", "adam-field", "gould-tanaka",
          "barakat-bianchi", "central-flow", "hr-heavy-ball", "adam-ide1:t0=lr",
          "heavy-ball-flow", "hr-nesterov-c", "rmsprop-central-flow"]
BAD_MODELS = ["", "nosuch", "adam-ide1:t0=2", "adam-ide2:u0=nan", "central-flow:dirs=0",
              "adam-ide1:rate=fast", "nesterov:r=-3", "gradient-flow:x=1"]
INTEGRATORS = ["rk4", "rk4:substeps=2", "dopri5", "euler", "heun", "verlet", "backward-euler",
               "midpoint", "dopri5:rtol=1e-6,atol=1e-9"]
BAD_INTEGRATORS = ["rk4:substeps=0", "dopri5:rtol=nan", "euler:dt=0", "nosuch",
                   "rk4:substeps=1e12", "dopri5:rtol=1e-30", "rk4:dt=-1", "euler:dt=nan"]
STEPS = ["1", "10", "100", "500"]
BAD_STEPS = ["0", "-1", "abc", "1.5", "", "1e3"]
HUGE_STEPS = ["1000000000", "18446744073709551615", "100000000000000"]
FLOATS = ["1", "0.5", "10"]
BAD_FLOATS = ["0", "-1", "nan", "inf", "-inf", "1e400", "abc", "", "1e-320"]
RANGES = ["1e-3:1e-1:5:log", "0.001;0.01", "0.1:0.5:3", "1e-3:1e-1:5"]
BAD_RANGES = ["", "1:0:5", "0.1:0.5:0", "a;b", "1e-3:1e-1:5:ln", ";", "nan:1:3",
              "0:1:1000000000000", "1e-3:1e-1:-5:log", "0:1:3:log"]
OUTS = ["f.csv", "sub/dir/f.csv", "f.json", "link.csv", "adir", "/dev/null", "/dev/full",
        "fifo", "ro/f.csv", "nested/../f.csv"]


def pick(rng, good, bad, p_bad=0.3):
    return rng.choice(bad) if rng.random() < p_bad else rng.choice(good)


def problem(rng):
    a = ["--objective", pick(rng, OBJECTIVES, BAD_OBJECTIVES), "--x0", pick(rng, X0, BAD_X0)]
    return a


def steps(rng, huge=False):
    if huge:
        return rng.choice(HUGE_STEPS)
    return pick(rng, STEPS, BAD_STEPS, 0.2)


def gen(rng):
    """One invocation: (argv, is_large, pipe_closed)."""
    large = rng.random() < 0.08
    cmd = rng.choice(["run", "run", "run", "compare", "converge", "sweep", "basins", "stability",
                      "spectrum", "monitor", "list", "reproduce", "merge", "learn", "help"])
    a = [cmd]
    if cmd == "run":
        a += problem(rng) + ["--optimizer", pick(rng, OPTIMIZERS, BAD_OPTIMIZERS)]
        if rng.random() < 0.5:
            a += ["--model", pick(rng, MODELS, BAD_MODELS)]
            if rng.random() < 0.5:
                a += ["--integrator", pick(rng, INTEGRATORS, BAD_INTEGRATORS)]
        if rng.random() < 0.8:
            a += ["--steps", steps(rng, large)]
        else:
            a += ["--t-end", pick(rng, FLOATS, BAD_FLOATS)]
        if rng.random() < 0.3:
            a += ["--every", pick(rng, ["1", "7", "100"], ["0", "-1", "x"])]
        if rng.random() < 0.3:
            a += ["--format", rng.choice(["csv", "json", "xml", ""])]
        if rng.random() < 0.3:
            a += ["--state"]
        if rng.random() < 0.2:
            a += ["--max-abs", pick(rng, FLOATS, BAD_FLOATS)]
        if rng.random() < 0.2:
            a += ["--sharpness", rng.choice(["1", "2", "0", "5", "x"])]
        if rng.random() < 0.5:
            a += ["--out", rng.choice(OUTS)]
    elif cmd in ("compare", "converge"):
        a += problem(rng) + ["--optimizer", pick(rng, OPTIMIZERS, BAD_OPTIMIZERS),
                             "--models", pick(rng, ["gradient-flow", "adam-ide1+adam-ide2",
                                                     "heavy-ball", "modified-flow,gradient-flow"],
                                              ["", "+", "nosuch", "adam-ide1++"])]
        if cmd == "compare":
            a += ["--t-end", pick(rng, ["0.5", "1", "2"], BAD_FLOATS, 0.2)]
        else:
            a += ["--lrs", pick(rng, ["1e-3,1e-2", "5e-4,1e-3,5e-3"], ["", "0", "nan,1", "-1,1", "1e-3"]),
                  "--t-end", pick(rng, ["0.5", "1"], BAD_FLOATS, 0.2)]
        if rng.random() < 0.3:
            a += ["--integrator", pick(rng, INTEGRATORS, BAD_INTEGRATORS)]
        a += ["--out", rng.choice(["out", "adir_file", "/dev/null"])]
    elif cmd == "sweep":
        a += problem(rng) + ["--optimizer", pick(rng, OPTIMIZERS, BAD_OPTIMIZERS),
                             "--grid", pick(rng, ["beta1=0:0.99:3", "lr=1e-3:1e-1:3:log",
                                                   "beta1=0.9;0.99,beta2=0.99;0.999"],
                                            ["", "beta1=", "nosuch=1;2", "lr=0:1:0", "beta1=2;3",
                                             "beta1=0:1:100000000000"]),
                             "--steps", steps(rng, large),
                             "--metric", pick(rng, ["final_x", "final_loss,diverged", "max_update"],
                                              ["", "nosuch", "final_x,,diverged"]),
                             "--out", rng.choice(["sw", "sw", "adir_file"])]
        if rng.random() < 0.3:
            a += ["--threads", rng.choice(["1", "2", "0", "1000000000", "x"])]
        if rng.random() < 0.3:
            a += ["--resume"]
        if rng.random() < 0.2:
            a += ["--engine", rng.choice(["generic", "batched", "x"])]
    elif cmd == "basins":
        a += ["--objective", pick(rng, ["rosen1d:c=4", "himmelblau"], BAD_OBJECTIVES),
              "--optimizer", pick(rng, ["sgd:lr=0.01", "adam:beta1=0.99,beta2=0.999"], BAD_OPTIMIZERS)]
        if rng.random() < 0.5:
            a += ["--x0", pick(rng, ["-1.5"], BAD_X0), "--model", pick(rng, ["adam-ide1", "gradient-flow"], BAD_MODELS),
                  "--lrs", pick(rng, RANGES, BAD_RANGES)]
        else:
            grid = "-5:5:1000000" if large else "-5:5:5"
            a += ["--xs", pick(rng, [grid], BAD_RANGES), "--ys", pick(rng, [grid], BAD_RANGES)]
        a += ["--out", "bas"]
    elif cmd == "stability":
        a += ["--out", "stab"]
        if rng.random() < 0.5:
            a += ["--beta1", pick(rng, ["0:0.99:5"], BAD_RANGES), "--beta2", pick(rng, ["0.9:0.999:5"], BAD_RANGES)]
    elif cmd in ("spectrum", "monitor"):
        a += problem(rng) + ["--optimizer", pick(rng, OPTIMIZERS, BAD_OPTIMIZERS),
                             "--model", pick(rng, MODELS, BAD_MODELS), "--steps", steps(rng, large)]
        if rng.random() < 0.3:
            a += ["--integrator", pick(rng, INTEGRATORS, BAD_INTEGRATORS)]
        if rng.random() < 0.3:
            a += ["--tol", pick(rng, ["1e-9"], BAD_FLOATS)]
        a += ["--out", "o"]
    elif cmd == "list":
        if rng.random() < 0.6:
            a += [rng.choice(["objectives", "optimizers", "models", "integrators", "x", ""])]
    elif cmd == "reproduce":
        a += [rng.choice(["--list", "nosuch", "--list"])]
    elif cmd == "merge":
        a += [rng.choice(["sw/shard-0-of-2.csv", "nothing.csv", "f.csv"]), "--out", "m.csv"]
    elif cmd == "learn":
        a += [rng.choice(["nosuch", "kadam", "eos"]), "--steps", rng.choice(["0", "-1", "x"]),
              "--out", "learn"]
    elif cmd == "help":
        a = [rng.choice(["--help", "run --help", "--version", "sweep --help", "bogus", "run --bogus"])]
        a = a[0].split()
    pipe_closed = rng.random() < 0.1 and cmd in ("list", "run", "help", "reproduce")
    return a, large, pipe_closed


def prepare(d):
    os.mkdir(os.path.join(d, "adir"))
    with open(os.path.join(d, "adir_file"), "w") as f:
        f.write("not a directory")
    os.makedirs(os.path.join(d, "real"))
    os.symlink("real/target.csv", os.path.join(d, "link.csv"))
    os.mkfifo(os.path.join(d, "fifo"))
    os.makedirs(os.path.join(d, "ro"))
    os.chmod(os.path.join(d, "ro"), 0o555)
    # A truncated .npy (valid magic, a header promising more data than follows) for --x0 @x0.npy.
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    with open(os.path.join(d, "x0.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 24)


def limit(mem_gb):
    def f():
        b = int(mem_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (b, b))
    return f


def files_with_nan(d):
    bad = []
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            if not os.path.isfile(p) or os.path.islink(p) or not n.endswith((".csv", ".json", ".txt")):
                continue
            try:
                with open(p, errors="replace") as f:
                    if re.search(r"(?<![A-Za-z])(NaN|nan)(?![A-Za-z])", f.read()):
                        bad.append(os.path.relpath(p, d))
            except OSError:
                pass
    return bad


def run_one(binary, args, large, pipe_closed, timeout, mem_gb):
    with tempfile.TemporaryDirectory() as d:
        prepare(d)
        fifo_reader = None
        if "fifo" in args:
            # Drain the FIFO so a writer is not blocked forever (a reader that keeps up).
            fifo_reader = subprocess.Popen(["cat", os.path.join(d, "fifo")],
                                           stdout=subprocess.DEVNULL)
        argv = [binary] + args
        try:
            if pipe_closed:
                p = subprocess.Popen(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=limit(mem_gb))
                p.stdout.read(16)
                p.stdout.close()
                try:
                    err = p.stderr.read().decode(errors="replace")
                    p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    p.kill()
                    return {"kind": "timeout" if not large else "slow-large", "stderr": ""}
                out, code = "", p.returncode
            else:
                r = subprocess.run(argv, cwd=d, capture_output=True, timeout=timeout,
                                   preexec_fn=limit(mem_gb))
                out, err, code = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), r.returncode
        except subprocess.TimeoutExpired:
            return {"kind": "timeout" if not large else "slow-large", "stderr": ""}
        finally:
            if fifo_reader:
                fifo_reader.kill()
        lines = [l for l in err.splitlines() if l.strip()]
        if code == 101 or "panicked" in err:
            return {"kind": "panic", "code": code, "stderr": err[-2000:]}
        if code < 0:
            if pipe_closed and code == -13:
                return {"kind": "ok", "code": code}
            return {"kind": "signal" if not large else "signal-large", "code": code, "stderr": err[-2000:]}
        help_like = args and (args[0] in ("--help", "--version") or "--help" in args)
        if code == 0:
            nan_files = files_with_nan(d)
            if re.search(r"(?<![A-Za-z])(NaN|nan)(?![A-Za-z])", out) or nan_files:
                return {"kind": "nan", "code": code, "files": nan_files}
            return {"kind": "ok", "code": code}
        if code == 2:
            errs = [l for l in lines if l.startswith("optdyn: error:")]
            if help_like or (len(errs) == 1 and len(lines) == 1):
                return {"kind": "error", "code": code}
            return {"kind": "multiline", "code": code, "stderr": err[-2000:]}
        if code == 3:
            if any(l.startswith("optdyn: run stopped:") or "stopped" in l for l in lines):
                return {"kind": "stopped", "code": code}
            return {"kind": "multiline", "code": code, "stderr": err[-2000:]}
        if code == 1 and any(l.startswith("optdyn:") for l in lines) and len(lines) <= 2:
            return {"kind": "failed-check", "code": code}
        return {"kind": "other", "code": code, "stderr": err[-2000:]}


FAILURES = {"panic", "signal", "timeout", "multiline", "nan", "other"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--mem-gb", type=float, default=4.0)
    ap.add_argument("--report", default=None)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cases = [gen(rng) for _ in range(a.count)]
    binary = os.path.abspath(a.binary)
    with ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(lambda c: run_one(binary, c[0], c[1], c[2], a.timeout, a.mem_gb), cases))
    counts = {}
    failed = []
    for (args, large, pipe), r in zip(cases, results):
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
        if r["kind"] in FAILURES:
            failed.append({"argv": shlex.join(args), "large": large, "pipe_closed": pipe, **r})
    print(f"{a.count} invocations (seed {a.seed}): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for f in failed:
        print(f"FAIL {f['kind']}: optdyn {f['argv']}" + (" | head -c16" if f["pipe_closed"] else ""))
        if f.get("stderr"):
            print("    " + f["stderr"].strip().replace("\n", "\n    ")[:600])
        if f.get("files"):
            print(f"    NaN in {f['files']}")
    if a.report:
        with open(a.report, "w") as fh:
            json.dump({"seed": a.seed, "count": a.count, "counts": counts, "failures": failed}, fh, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
