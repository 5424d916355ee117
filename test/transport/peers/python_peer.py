#!/usr/bin/env python3
"""Interop peer for thriftpoll's transport tests, built on Debian's python3-thrift (Apache Thrift).

client mode: calls a server with THeaderTransport (binary or compact, optional zlib, string headers) and
             prints one JSON object with what it got back.
server mode: serves the Echo service with THeaderProtocol, accepting every client type Apache's Python
             THeader server accepts (THeader, framed and unframed binary/compact), optionally compressing
             THeader replies with zlib; prints "listening <port>" once ready.

The generated Python code for test/transport/fixtures/echo.thrift is imported from --gen.
"""
import argparse
import json
import socket
import sys
import threading


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["client", "server"])
    parser.add_argument("--gen", required=True, help="directory holding the generated tpecho package")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--protocol", choices=["binary", "compact"], default="binary")
    parser.add_argument("--zlib", action="store_true")
    parser.add_argument("--header", action="append", default=[], help="key=value string header (client)")
    parser.add_argument("--text", default="hello from python")
    return parser.parse_args()


ARGS = parse_args()
sys.path.insert(0, ARGS.gen)

from thrift.protocol.THeaderProtocol import THeaderProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from thrift.transport.THeaderTransport import (  # noqa: E402
    THeaderClientType,
    THeaderSubprotocolID,
    THeaderTransformID,
)
from tpecho import Echo  # noqa: E402
from tpecho.ttypes import Payload, Refused  # noqa: E402

PROTOCOLS = {"binary": THeaderSubprotocolID.BINARY, "compact": THeaderSubprotocolID.COMPACT}
ALL_CLIENT_TYPES = [
    THeaderClientType.HEADERS,
    THeaderClientType.FRAMED_BINARY,
    THeaderClientType.UNFRAMED_BINARY,
    THeaderClientType.FRAMED_COMPACT,
    THeaderClientType.UNFRAMED_COMPACT,
]


def decoded(headers):
    return {key.decode("utf-8"): value.decode("utf-8") for key, value in headers.items()}


def run_client():
    sock = TSocket.TSocket("127.0.0.1", ARGS.port)
    protocol = THeaderProtocol(sock, [THeaderClientType.HEADERS], PROTOCOLS[ARGS.protocol])
    transport = protocol.trans
    if ARGS.zlib:
        transport.add_transform(THeaderTransformID.ZLIB)
    client = Echo.Client(protocol)
    transport.open()
    result = {}
    # Headers are sent with the next message only.
    for pair in ARGS.header:
        key, _, value = pair.partition("=")
        transport.set_header(key.encode("utf-8"), value.encode("utf-8"))
    result["headers"] = client.headers()
    result["replyHeaders"] = decoded(transport.get_headers())
    result["echo"] = client.echo(ARGS.text)
    big = "thriftpoll " * 20000
    result["bigEchoOk"] = client.echo(big) == big
    payload = client.roundtrip(
        Payload(text="ünïcödé", number=-(2**40), numbers=[1, 2, 3], tags={"k": "v"}, blob=b"\x00\xff")
    )
    result["roundtrip"] = {
        "text": payload.text,
        "number": str(payload.number),
        "numbers": payload.numbers,
        "tags": payload.tags,
        "blob": payload.blob.hex(),
    }
    try:
        client.refuse("nope")
        result["refused"] = None
    except Refused as refused:
        result["refused"] = refused.reason
    transport.close()
    print(json.dumps(result), flush=True)


class Handler:
    def __init__(self, protocol):
        self.protocol = protocol

    def echo(self, text):
        return text

    def roundtrip(self, payload):
        return payload

    def headers(self):
        received = decoded(self.protocol.get_headers())
        for key, value in received.items():
            self.protocol.set_header(key.encode("utf-8"), value.encode("utf-8"))
        self.protocol.set_header(b"server", b"python")
        return received

    def refuse(self, reason):
        raise Refused(reason=reason)

    def ping(self):
        pass


def serve(connection):
    sock = TSocket.TSocket()
    sock.setHandle(connection)
    protocol = THeaderProtocol(sock, ALL_CLIENT_TYPES)
    if ARGS.zlib:
        protocol.trans.add_transform(THeaderTransformID.ZLIB)
    processor = Echo.Processor(Handler(protocol))
    try:
        while True:
            processor.process(protocol, protocol)
    except (TTransport.TTransportException, EOFError, ConnectionError):
        pass
    finally:
        connection.close()


def run_server():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", ARGS.port))
    listener.listen(64)
    print("listening %d" % listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    if ARGS.mode == "client":
        run_client()
    else:
        run_server()
