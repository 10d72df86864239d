"""Writes checkpoint_v1.ckpt from the format in docs/embedding.md ("Checkpoint
format (version 1)"), independently of the library: the golden file that
tests/checkpoint_test.cc loads. Run: python3 tests/data/make_checkpoint_v1.py"""

import os
import struct
import zlib


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def main():
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
    body += struct.pack("<I", len(params))
    for name, values in params:
        body += string(name) + struct.pack("<B", 1 if len(values) > 1 else 0)
        body += struct.pack("<%df" % len(values), *values)
    potential = [5.0, -2.5, 10.0] + [0.0] * (padded - size)  # relative to potential_rest
    excess = [0.0, 1.25, 3.5] + [0.0] * (padded - size)      # over threshold
    body += struct.pack("<I", 2)
    body += struct.pack("<%df" % padded, *potential) + struct.pack("<%df" % padded, *excess)
    body += struct.pack("<B", 1)
    body += struct.pack("<%dH" % padded, *([0, 3, 65535] + [0] * (padded - size)))
    body += struct.pack("<H", 0b010)  # neuron 1 spiked
    head = b"SOMASCKP" + struct.pack("<IQ", 1, len(body))
    data = head + body
    data += struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoint_v1.ckpt")
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
