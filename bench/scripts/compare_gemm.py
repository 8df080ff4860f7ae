#!/usr/bin/env python3
"""Interleaved sparkj-vs-OpenBLAS GEMM comparison: alternates rounds of openblas_sgemm.py and the JMH
runner dev.sparkj.bench.GemmGflops, then prints per-shape medians of both and of the per-round ratio.

Run from the repository root after `mvn -q -pl bench -am package -DskipTests`:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/scripts/compare_gemm.py \
      [--rounds 5] [--threads 2] [--shapes 1024,2048]

Interleaving matters on a shared machine: both libraries see the same background load in each round.
The ratio column is the median over rounds of (sparkj mean GFLOP/s) / (OpenBLAS median GFLOP/s).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_openblas(shapes, threads, runs):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run([sys.executable, os.path.join(HERE, "openblas_sgemm.py"), "--shapes", shapes,
                          "--runs", str(runs)], env=env, capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+x\d+x\d+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            res[m.group(1)] = float(m.group(3))  # median of the runs
        elif line.startswith("#"):
            run_openblas.info = line
    return res


def run_sparkj(shapes, threads, java, jar, wi, it):
    out = subprocess.run([java, "-cp", jar, "dev.sparkj.bench.GemmGflops", "--shapes", shapes,
                          "--threads", str(threads), "--wi", str(wi), "--i", str(it)],
                         capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"(\d+x\d+x\d+)\s+\S+\s+\d+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            res[m.group(1)] = float(m.group(2))  # mean over the JMH iterations
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", default="1024,2048")
    ap.add_argument("--runs", type=int, default=5, help="OpenBLAS timed runs per round")
    # The first JMH warm-up iterations run partly interpreted while C2 compiles the kernel.
    ap.add_argument("--wi", type=int, default=4, help="JMH warm-up iterations per round")
    ap.add_argument("--i", type=int, default=3, help="JMH measurement iterations per round")
    ap.add_argument("--java", default="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
    ap.add_argument("--jar", default="bench/target/benchmarks.jar")
    args = ap.parse_args()
    shapes = ",".join("x".join([s] * 3) if "x" not in s else s for s in args.shapes.split(","))
    ours, theirs = {}, {}
    for r in range(args.rounds):
        o = run_openblas(shapes, args.threads, args.runs)
        s = run_sparkj(shapes, args.threads, args.java, args.jar, args.wi, args.i)
        for k in o:
            theirs.setdefault(k, []).append(o[k])
            ours.setdefault(k, []).append(s.get(k, float("nan")))
        print(f"round {r + 1}: " + "  ".join(f"{k}: sparkj {s.get(k, float('nan')):.1f} / OpenBLAS {o[k]:.1f}"
                                              for k in o), flush=True)
    print(getattr(run_openblas, "info", ""))
    print(f"{'shape':>16} {'threads':>7} {'sparkj GFLOP/s':>15} {'OpenBLAS GFLOP/s':>17} {'ratio':>6}  (medians of {args.rounds} rounds)")
    for k in theirs:
        ratios = [a / b for a, b in zip(ours[k], theirs[k])]
        print(f"{k:>16} {args.threads:>7} {statistics.median(ours[k]):15.1f} {statistics.median(theirs[k]):17.1f} "
              f"{statistics.median(ratios):6.2f}")


if __name__ == "__main__":
    main()
