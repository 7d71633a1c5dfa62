"""Command line of the gate agent.

    python -m xgm.gateagent --server URL --pair CODE --adapter hikvision \\
        --device-url URL --username U --password P [--door N]
    python -m xgm.gateagent --server URL --pair CODE --adapter http-relay \\
        --relay-url URL --relay-secret S
    python -m xgm.gateagent --server URL --pair CODE --adapter serial --port DEVICE

Credentials are kept in --state FILE (mode 0600). --pair is needed once: later starts use the
state file (a --pair given again is ignored while the credentials work). Device passwords may
come from the environment (XGM_AGENT_PASSWORD, XGM_AGENT_RELAY_SECRET) instead of the command
line, which other users of the machine can read.

Exit status: 0 stopped, 2 bad arguments, 3 not paired or revoked (pair again), 4 the pairing
code was refused, 5 the state file cannot be used.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import time
from urllib.parse import urlparse

from xgm.gateagent import VERSION
from xgm.gateagent.adapters.hikvision import HikvisionAdapter
from xgm.gateagent.adapters.httprelay import HttpRelayAdapter
from xgm.gateagent.adapters.serialrelay import BAUD_RATES, SerialRelayAdapter
from xgm.gateagent.runner import Runner, Stop
from xgm.gateagent.server import PairingRefused, Revoked, ServerClient, ServerUnavailable
from xgm.gateagent.state import AgentState, StateError

log = logging.getLogger("xgm.gateagent")

EXIT_REPAIR, EXIT_PAIRING_REFUSED, EXIT_STATE = 3, 4, 5
DEFAULT_STATE = "xgm-gateagent.json"


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"不是 http(s) 地址：{value}")
    return value.rstrip("/")


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("应大于 0")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The agent's arguments (the contract of issue 16)."""
    parser = argparse.ArgumentParser(
        prog="python -m xgm.gateagent",
        description="小哥码门岗开闸器：与门岗配对，接收放行后的开闸指令并驱动道闸/门禁控制器。",
    )
    parser.add_argument(
        "--server", required=True, type=_http_url, help="xgm 地址，如 https://xgm.example.com"
    )
    parser.add_argument(
        "--pair", metavar="CODE", help="管理员在门岗页面生成的一次性配对码（首次运行时）"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        default=DEFAULT_STATE,
        help=f"保存凭据的状态文件（默认 {DEFAULT_STATE}）",
    )
    parser.add_argument("--name", default="", help="开闸器名称（默认由服务器按门岗命名）")
    parser.add_argument("--adapter", required=True, choices=["hikvision", "http-relay", "serial"])
    parser.add_argument(
        "--device-url", type=_http_url, help="hikvision：设备地址，如 http://192.168.1.64"
    )
    parser.add_argument("--username", help="hikvision：设备用户名")
    parser.add_argument("--password", help="hikvision：设备密码（或环境变量 XGM_AGENT_PASSWORD）")
    parser.add_argument("--door", type=int, default=1, help="hikvision：门号（默认 1）")
    parser.add_argument("--relay-url", type=_http_url, help="http-relay：继电器地址")
    parser.add_argument(
        "--relay-secret", help="http-relay：签名密钥（或环境变量 XGM_AGENT_RELAY_SECRET）"
    )
    parser.add_argument("--port", help="serial：串口设备，如 /dev/ttyUSB0")
    parser.add_argument("--channel", type=int, default=1, help="serial：继电器路数（默认 1）")
    parser.add_argument("--baud", type=int, default=9600, choices=sorted(BAUD_RATES))
    parser.add_argument("--pulse", type=_positive, default=1.0, help="serial：吸合秒数（默认 1）")
    parser.add_argument(
        "--device-timeout", type=_positive, default=5.0, help="等待设备应答的秒数（默认 5）"
    )
    parser.add_argument("--wait", type=_positive, default=25.0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--test-device", action="store_true", help="只开闸一次检查设备，不连接服务器"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--version", action="version", version=f"xgm-gateagent {VERSION}")
    return parser


def build_adapter(args, parser: argparse.ArgumentParser):
    """The adapter the arguments describe (argparse error when a required one is missing)."""
    if args.adapter == "hikvision":
        password = args.password or os.environ.get("XGM_AGENT_PASSWORD")
        if not (args.device_url and args.username and password):
            parser.error("--adapter hikvision 需要 --device-url、--username 和 --password")
        if args.door < 1:
            parser.error("--door 从 1 开始")
        return HikvisionAdapter(
            args.device_url, args.username, password, door=args.door, timeout=args.device_timeout
        )
    if args.adapter == "http-relay":
        secret = args.relay_secret or os.environ.get("XGM_AGENT_RELAY_SECRET")
        if not (args.relay_url and secret):
            parser.error("--adapter http-relay 需要 --relay-url 和 --relay-secret")
        return HttpRelayAdapter(args.relay_url, secret, timeout=args.device_timeout)
    if not args.port:
        parser.error("--adapter serial 需要 --port")
    try:
        return SerialRelayAdapter(
            args.port,
            channel=args.channel,
            pulse=args.pulse,
            baud=args.baud,
            timeout=args.device_timeout,
        )
    except ValueError as exc:
        parser.error(str(exc))


def _pair(args, state: AgentState, client: ServerClient, adapter) -> None:
    """Exchange --pair for credentials and save them."""
    name = args.name or socket.gethostname()
    while True:
        try:
            data = client.pair(args.pair, args.name, adapter.name)
            break
        except ServerUnavailable as exc:
            log.warning("无法连接服务器配对（%s），5 秒后重试", exc)
            time.sleep(5)
    state.server = args.server
    state.token = data["token"]
    state.agent_name = data["agent"]["name"]
    state.gate = data["gate"]["name"]
    state.compound = data["compound"]["name"]
    state.save()
    log.info(
        "配对成功：%s · %s，开闸器「%s」（本机 %s），凭据已保存到 %s",
        state.compound,
        state.gate,
        state.agent_name,
        name,
        state.path,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the agent until stopped; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    adapter = build_adapter(args, parser)
    if args.test_device:
        result = adapter.open("0" * 32)
        log.info("试开闸：%s %s", result.outcome, result.answer)
        return 0 if result.outcome == "opened" else 1
    try:
        state = AgentState.load(args.state)
    except StateError as exc:
        log.error("%s", exc)
        return EXIT_STATE
    if state.paired and state.server and state.server != args.server:
        log.error(
            "状态文件 %s 属于服务器 %s，不是 %s：请换一个 --state 文件",
            state.path,
            state.server,
            args.server,
        )
        return EXIT_STATE
    if urlparse(args.server).scheme == "http" and urlparse(args.server).hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        log.warning("服务器地址是 http://，凭据将明文传输：生产环境请使用 https://")
    client = ServerClient(args.server, state.token, adapter.name)
    log.info("xgm-gateagent %s，设备：%s", VERSION, adapter.describe())
    runner: Runner | None = None

    def _stop(signum, frame):
        if runner is not None and runner.busy:
            runner.stopping = True  # finish the command being executed, then stop
        else:
            raise Stop

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if not state.paired:
            if not args.pair:
                log.error("还没有配对：请用 --pair 传入管理员在门岗页面生成的配对码")
                return EXIT_REPAIR
            _pair(args, state, client, adapter)
        elif args.pair:
            log.info("已配对（%s · %s），忽略 --pair", state.compound, state.gate)
        runner = Runner(client, adapter, state, wait=args.wait)
        log.info("已连接，等待 %s · %s 的开闸指令", state.compound or "?", state.gate or "?")
        runner.run()
        log.info("已停止")
    except PairingRefused as exc:
        log.error("配对失败：%s", exc.message)
        return EXIT_PAIRING_REFUSED
    except Revoked as exc:
        log.error("服务器拒绝了本开闸器的凭据：%s。已清除凭据，请重新配对（--pair）", exc)
        try:
            state.forget_credentials()
        except StateError as err:
            log.error("%s", err)
        return EXIT_REPAIR
    except StateError as exc:
        log.error("%s", exc)
        return EXIT_STATE
    except Stop:
        log.info("已停止")
    finally:
        client.close()
    return 0
