#!/usr/bin/env python3
"""The tutorial's Calculator, served by Apache Thrift's Python library (Debian's python3-thrift).

Our own server for Apache's tutorial.thrift, with the semantics of Apache's tutorial/py/PythonServer.py:
ping, add, calculate (InvalidOperation on an unknown operation and on division by zero; the result is kept as a
SharedStruct under the logid), the inherited SharedService.getStruct, and oneway zip. Buffered transport, binary
protocol, one thread per connection. Prints "listening <port>" once ready, and "zip" for every zip call.

The code Debian's `thrift --gen py -r` generates for tutorial.thrift is imported from --gen.
"""
import argparse
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--gen", required=True, help="directory holding the generated tutorial and shared packages")
ARGS = parser.parse_args()
sys.path.insert(0, ARGS.gen)

from shared.ttypes import SharedStruct  # noqa: E402
from thrift.protocol import TBinaryProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from tutorial import Calculator  # noqa: E402
from tutorial.ttypes import InvalidOperation, Operation  # noqa: E402


class CalculatorHandler:
    def __init__(self):
        self.log = {}

    def ping(self):
        pass

    def add(self, num1, num2):
        return num1 + num2

    def calculate(self, logid, work):
        if work.op == Operation.ADD:
            value = work.num1 + work.num2
        elif work.op == Operation.SUBTRACT:
            value = work.num1 - work.num2
        elif work.op == Operation.MULTIPLY:
            value = work.num1 * work.num2
        elif work.op == Operation.DIVIDE:
            if work.num2 == 0:
                raise InvalidOperation(whatOp=work.op, why="Cannot divide by 0")
            value = work.num1 // work.num2
        else:
            raise InvalidOperation(whatOp=work.op, why="Invalid operation")
        self.log[logid] = SharedStruct(key=logid, value=str(value))
        return value

    def getStruct(self, key):
        return self.log[key]

    def zip(self):
        print("zip", flush=True)


def serve_connection(processor, client):
    transport = TTransport.TBufferedTransport(client)
    protocol = TBinaryProtocol.TBinaryProtocol(transport)
    try:
        while True:
            processor.process(protocol, protocol)
    except TTransport.TTransportException:
        pass
    except Exception as error:  # a peer sending bytes that are not buffered binary Thrift
        print(f"connection failed: {error!r}", file=sys.stderr, flush=True)
    transport.close()


def main():
    processor = Calculator.Processor(CalculatorHandler())
    server = TSocket.TServerSocket(host="127.0.0.1", port=0)
    server.listen()
    print(f"listening {server.handle.getsockname()[1]}", flush=True)
    while True:
        client = server.accept()
        threading.Thread(target=serve_connection, args=(processor, client), daemon=True).start()


main()
