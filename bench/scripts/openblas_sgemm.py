#!/usr/bin/env python3
"""OpenBLAS float32 GEMM throughput (through numpy) at the shapes of dev.sparkj.bench.GemmBench.

Run as:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 \
      /usr/bin/python3 bench/scripts/openblas_sgemm.py [--runs N] [--shapes 1024,2048,...]

Shapes are "S" for a square S x S x S product or "MxNxK". For each shape it times C = A @ B
(A: M x K, B: K x N, float32, C preallocated) several times after a warm-up and prints the best and
median GFLOP/s (2*M*N*K flops per product).

--clock cpu times with the process CPU clock instead of the wall clock: with one BLAS thread this
measures the library undisturbed by other processes sharing the cores (compare with
dev.sparkj.bench.GemmCpuTime); with more threads it is meaningless.
"""
import argparse
import statistics
import time

import numpy as np

DEFAULT_SHAPES = ["256", "512", "1024", "2048", "50176x256x2304", "3136x1024x256"]


def parse_shape(s):
    parts = [int(x) for x in s.lower().split("x")]
    return (parts[0],) * 3 if len(parts) == 1 else tuple(parts)


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{d.get('internal_api')} {d.get('version')} kernel={d.get('architecture')} "
                         f"threads={d.get('num_threads')} ({d.get('filepath')})"
                         for d in threadpool_info() if d.get("user_api") == "blas")
    except ImportError:
        return "threadpoolctl not installed"


def bench(m, n, k, runs, min_time, clock=time.perf_counter):
    rng = np.random.default_rng(1)
    a = rng.random((m, k), dtype=np.float32) - 0.5
    b = rng.random((k, n), dtype=np.float32) - 0.5
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up
    t0 = clock()
    np.matmul(a, b, out=c)
    one = clock() - t0
    reps = max(1, int(min_time / max(one, 1e-9)))
    rates = []
    for _ in range(runs):
        t0 = clock()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        dt = (clock() - t0) / reps
        rates.append(2.0 * m * n * k / dt / 1e9)
    return max(rates), statistics.median(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per timed run")
    ap.add_argument("--shapes", default=",".join(DEFAULT_SHAPES))
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = ap.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    print(f"# numpy {np.__version__}; BLAS: {blas_info()}; clock: {args.clock}")
    print(f"{'shape (MxNxK)':>18} {'best GFLOP/s':>13} {'median GFLOP/s':>15}")
    for s in args.shapes.split(","):
        m, n, k = parse_shape(s)
        best, med = bench(m, n, k, args.runs, args.min_time, clock)
        print(f"{f'{m}x{n}x{k}':>18} {best:13.1f} {med:15.1f}", flush=True)


if __name__ == "__main__":
    main()
