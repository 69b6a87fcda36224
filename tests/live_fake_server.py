"""A scripted OpenIGTLink server for the live-source tests: `python live_fake_server.py MODE`.

Good images are packed by pyigtl (not by our encoder) so the client is checked against another
implementation; each carries its sequence number as its pixel value. Modes:
  stall   5 images, then silence on an open connection
  faults  good images between a malformed, an unknown-type, an oversized (16 KiB), a corrupted
          (bad CRC) and a TRANSFORM message, one good image with a v3 header, then good
          images every 20 ms
  devices images from device "Probe" (value 10) and "Other" (value 20), alternating
  pyigtl  pyigtl's own OpenIGTLinkServer sending images every 20 ms (interoperability)
Serves one client at a time on 127.0.0.1 and runs until killed (at most a minute).
"""

from __future__ import annotations

import argparse
import socket
import time

import numpy as np
import pyigtl

from vesselscope.live.igtl_header import HEADER_SIZE, pack_message

LIFETIME_S = 60.0
ROW_MM, COL_MM = 0.3, 0.2


def image(value: int, device: str = "Probe", shape=(12, 16), header_version: int = 1) -> bytes:
    pixels = np.full((1, *shape), value, dtype=np.uint8)  # pyigtl's axes: k, j, i
    matrix = np.diag([-COL_MM, ROW_MM, 1.0, 1.0])  # columns run right to left: a flipped i
    message = pyigtl.ImageMessage(
        pixels, ijk_to_world_matrix=matrix, device_name=device, timestamp=time.time()
    )
    message.header_version = header_version
    if header_version == 2:
        message.metadata = {"Source": "fake"}
    return message.pack()


def malformed(value: int) -> bytes:
    body = bytearray(image(value)[HEADER_SIZE:])
    body[6:8] = (17).to_bytes(2, "big")  # claims 17 columns; the pixels are for 16
    return pack_message("IMAGE", "Probe", time.time(), bytes(body))


def corrupted(value: int) -> bytes:
    message = bytearray(image(value))
    message[-1] ^= 0xFF  # a flipped byte after the CRC was computed
    return bytes(message)


def faults() -> list[bytes]:
    transform = pyigtl.TransformMessage(np.eye(4), device_name="ProbeToTracker").pack()
    return [
        image(1),
        malformed(99),
        image(2),
        pack_message("FOOBAR", "Probe", time.time(), b"x" * 100),
        image(3),
        image(99, shape=(64, 256)),
        image(4),
        corrupted(99),
        image(5),
        transform,
        image(6, header_version=2),
    ]


def run_client(conn: socket.socket, mode: str, deadline: float) -> None:
    if mode == "stall":
        for value in range(1, 6):
            conn.sendall(image(value))
            time.sleep(0.02)
        while time.monotonic() < deadline:  # keep the connection, send nothing
            time.sleep(0.1)
        return
    if mode == "faults":
        for message in faults():
            conn.sendall(message)
            time.sleep(0.02)
    value = 7
    while time.monotonic() < deadline:
        if mode == "devices":
            conn.sendall(image(10, "Probe") + image(20, "Other"))
        else:
            conn.sendall(image(value % 256))
            value += 1
        time.sleep(0.02)


def run_pyigtl_server(port: int, deadline: float) -> None:
    server = pyigtl.OpenIGTLinkServer(port=port, local_server=True)  # in the main thread
    print(f"pyigtl server on 127.0.0.1:{server.server_address[1]} at pyigtl", flush=True)
    value = 1
    while time.monotonic() < deadline:
        pixels = np.full((1, 12, 16), value % 256, dtype=np.uint8)
        matrix = np.diag([COL_MM, ROW_MM, 1.0, 1.0])
        server.send_message(
            pyigtl.ImageMessage(pixels, ijk_to_world_matrix=matrix, device_name="US"), wait=False
        )
        value += 1
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["stall", "faults", "devices", "pyigtl"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    deadline = time.monotonic() + LIFETIME_S
    if args.mode == "pyigtl":
        run_pyigtl_server(args.port, deadline)
        return
    with socket.create_server(("127.0.0.1", args.port)) as listener:
        listener.settimeout(0.5)
        print(f"fake server on 127.0.0.1:{listener.getsockname()[1]} at {args.mode}", flush=True)
        while time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    run_client(conn, args.mode, deadline)
                except OSError:  # the client went away: wait for the next one
                    continue


if __name__ == "__main__":
    main()
