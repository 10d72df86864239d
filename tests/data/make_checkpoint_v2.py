"""Writes checkpoint_v2.ckpt and checkpoint_v2_float16.ckpt from the format in
docs/embedding.md ("Checkpoint format (version 2)"), independently of the
library: the golden files that tests/checkpoint_test.cc loads. The same pool
as checkpoint_v1.ckpt, stored as float32 and as float16.
Run: python3 tests/data/make_checkpoint_v2.py"""

import os
import struct
import zlib


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def checkpoint(dtype):
    size, padded = 3, 16
    params = [  # AdaptiveLeakySoma, schema order: (name, per-neuron values or one shared)
        ("potential_rest", [-60.0]),
        ("potential_reset", [-50.0]),
        ("potential_tau", [20.0]),
        ("resistance", [0.1]),
        ("threshold", [-40.0, -42.5, -45.0]),
        ("cooldown", [1.5]),
        ("threshold_tau", [20.0]),
        ("threshold_delta", [100.0]),
    ]
    body = string("AdaptiveLeakySoma") + string("golden")
    body += struct.pack("<QQd", 7, size, 0.5)
    body += struct.pack("<B", dtype)  # 0 float32, 1 float16
    body += struct.pack("<I", len(params))
    for name, values in params:
        body += string(name) + struct.pack("<B", 1 if len(values) > 1 else 0)
        body += struct.pack("<%df" % len(values), *values)
    potential = [5.0, -2.5, 10.0] + [0.0] * (padded - size)  # relative to potential_rest
    excess = [0.0, 1.25, 3.5] + [0.0] * (padded - size)      # over threshold
    element = "f" if dtype == 0 else "e"  # "e": IEEE binary16
    body += struct.pack("<I", 2)
    body += struct.pack("<%d%s" % (padded, element), *potential)
    body += struct.pack("<%d%s" % (padded, element), *excess)
    body += struct.pack("<B", 1)
    body += struct.pack("<%dH" % padded, *([0, 3, 65535] + [0] * (padded - size)))
    body += struct.pack("<H", 0b010)  # neuron 1 spiked
    head = b"SOMASCKP" + struct.pack("<IQ", 2, len(body))
    data = head + body
    return data + struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for dtype, name in ((0, "checkpoint_v2.ckpt"), (1, "checkpoint_v2_float16.ckpt")):
        with open(os.path.join(here, name), "wb") as f:
            f.write(checkpoint(dtype))


if __name__ == "__main__":
    main()
