#!/usr/bin/env python3
"""Cuts the first N Fashion-MNIST training images and labels into a small gzip'd IDX pair.

Used once to make sparkj's bundled quickstart data (spark/src/main/resources/dev/sparkj/spark/quickstart/).
Source: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist), i.e. Fashion-MNIST by
Zalando Research, MIT (Expat) licence. Output is deterministic: gzip with mtime 0 and no file name.

    python3 data/make_fashion_subset.py [--count 4000] [--src DIR] [--out DIR]
"""
import argparse
import gzip
import io
import os
import struct


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    rank = raw[3]
    dims = list(struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank]))
    return dims, raw[4 + 4 * rank:]


def write_idx(path, dims, body):
    header = bytes([0, 0, 0x08, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims)
    buf = io.BytesIO()
    # mtime=0 and an empty name keep the output byte-identical from run to run
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(header + body)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=4000)
    p.add_argument("--src", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "spark", "src", "main",
                                                   "resources", "dev", "sparkj", "spark", "quickstart"))
    a = p.parse_args()
    n = a.count
    idims, ibody = read_idx(os.path.join(a.src, "train-images-idx3-ubyte.gz"))
    ldims, lbody = read_idx(os.path.join(a.src, "train-labels-idx1-ubyte.gz"))
    if n > idims[0] or n > ldims[0]:
        raise SystemExit(f"only {idims[0]} images available")
    per = idims[1] * idims[2]
    os.makedirs(a.out, exist_ok=True)
    write_idx(os.path.join(a.out, f"fashion-mnist-{n // 1000}k-images-idx3-ubyte.gz"), [n] + idims[1:], ibody[:n * per])
    write_idx(os.path.join(a.out, f"fashion-mnist-{n // 1000}k-labels-idx1-ubyte.gz"), [n], lbody[:n])
    counts = [lbody[:n].count(bytes([c])) for c in range(10)]
    print(f"wrote {n} images {idims[1]}x{idims[2]} to {os.path.normpath(a.out)}; labels per class {counts}")


if __name__ == "__main__":
    main()
