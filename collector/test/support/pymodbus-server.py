#!/usr/bin/python3
"""Independent Modbus TCP test peer for the OpenBESS collector tests.

A small pymodbus 3.0 server (Debian `python3-pymodbus`, run with /usr/bin/python3) that serves a
register image given as JSON, so the collector's decoding is checked against a Modbus stack that
shares no code with ours.

Usage: pymodbus-server.py IMAGE_JSON_FILE [PORT]
  PORT 0 (default) binds an ephemeral port; the bound port is printed on stdout.

Image file:
  {
    "units": {
      "1": {
        "holding": [w0, w1, ...]            # sequential block from wire address 0, or
        "holding": {"100": [w, w], "7": w}, # sparse: only the listed addresses exist
        "input": ...,                       # same forms, FC 04
        "delayMs": 0                        # answer every request of this unit this much later
      }
    },
    "gateway": false                        # true: answer unknown unit ids with exception 0B (gateway
  }                                         #   target failed to respond) instead of staying silent
Addresses are 0-based wire addresses (zero_mode). pymodbus itself enforces the Modbus limits: a read
of more than 125 registers gets exception 03, a read outside the image exception 02. Like a plain Modbus TCP
device, pymodbus does not answer requests to unit ids it does not serve (the client times out); with
"gateway": true it answers them with exception 0B like a gateway whose target device is missing.

Stdout (one JSON object per line, flushed):
  {"event": "listening", "port": N}
  {"event": "response", "unit": u, "fc": f, "exception": null | code, "registers": n}
SIGTERM/SIGINT: stop listening, drop client connections, exit 0.
"""

import asyncio
import json
import logging
import signal
import sys

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
    ModbusSparseDataBlock,
)
from pymodbus.server import StartAsyncTcpServer
from pymodbus.server.async_io import ModbusConnectedRequestHandler


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def block(spec):
    """A data block from a list (sequential from 0) or a dict {address: value | [values]} (sparse)."""
    if spec is None:
        return ModbusSparseDataBlock({})
    if isinstance(spec, list):
        return ModbusSequentialDataBlock(0, [int(v) & 0xFFFF for v in spec])
    values = {}
    for key, val in spec.items():
        if isinstance(val, list):
            values[int(key)] = [int(v) & 0xFFFF for v in val]
        else:
            values[int(key)] = int(val) & 0xFFFF
    return ModbusSparseDataBlock(values)


DELAYS = {}


class GatewayContext(ModbusServerContext):
    """A server context that accepts every unit id on the wire, so unknown ones get exception 0B."""

    def slaves(self):
        return list(range(0, 248))


class DelayingHandler(ModbusConnectedRequestHandler):
    """Answers requests of units with a configured delay later, without blocking the event loop."""

    def send(self, message, *addr, **kwargs):
        delay = DELAYS.get(getattr(message, "unit_id", None), 0)
        if delay > 0:
            asyncio.get_running_loop().call_later(
                delay / 1000.0, lambda: self._send_if_open(message, addr, kwargs)
            )
        else:
            super().send(message, *addr, **kwargs)

    def _send_if_open(self, message, addr, kwargs):
        if self.transport is not None and not self.transport.is_closing():
            super().send(message, *addr, **kwargs)


def log_response(response):
    code = getattr(response, "exception_code", None)
    registers = getattr(response, "registers", None)
    emit(
        {
            "event": "response",
            "unit": response.unit_id,
            "fc": response.function_code & 0x7F,
            "exception": code,
            "registers": len(registers) if registers is not None else 0,
        }
    )
    return response, False


async def main():
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    image_file = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with open(image_file, encoding="utf-8") as f:
        image = json.load(f)
    slaves = {}
    for unit, spec in image.get("units", {}).items():
        slaves[int(unit)] = ModbusSlaveContext(
            hr=block(spec.get("holding")),
            ir=block(spec.get("input")),
            di=ModbusSparseDataBlock({}),
            co=ModbusSparseDataBlock({}),
            zero_mode=True,
        )
        DELAYS[int(unit)] = int(spec.get("delayMs", 0))
    gateway = bool(image.get("gateway", False))
    context = (GatewayContext if gateway else ModbusServerContext)(slaves=slaves, single=False)
    server = await StartAsyncTcpServer(
        context=context,
        address=("127.0.0.1", port),
        allow_reuse_address=True,
        defer_start=True,
        handler=DelayingHandler,
        response_manipulator=log_response,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    emit({"event": "listening", "port": server.server.sockets[0].getsockname()[1]})
    await stop.wait()
    # Drop client connections so peers see the outage at once (like a device reboot).
    for handler in list(server.active_connections.values()):
        if handler.transport is not None:
            handler.transport.abort()
    await server.server_close()
    serving.cancel()
    try:
        await serving
    except asyncio.CancelledError:
        pass


if __name__ == "__main__":
    asyncio.run(main())
