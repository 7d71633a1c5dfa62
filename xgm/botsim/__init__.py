"""Simulators of the two group-bot services xgm sends alerts to, to their published protocols.

`WeComSim`: 企业微信 group robot, `POST /cgi-bin/webhook/send?key=KEY` with a JSON body of
msgtype text or markdown; answers `{"errcode": 0, "errmsg": "ok"}`, 93000 for an unknown key,
40008 for a bad msgtype, 44004 for empty content, 45009 past 20 messages a minute.
`DingTalkSim`: 钉钉 custom robot, `POST /robot/send?access_token=T&timestamp=MS&sign=S`, where
S = urlencode(base64(HMAC-SHA256(secret, f"{MS}\\n{secret}"))) and MS within an hour of now;
answers errcode 0, 300001 for an unknown token, 310000 for a bad or stale signature, 410100
past 20 a minute. Both record what they accepted (`messages`) and can be told to fail the next
requests (`fail_next(n, status=..., errcode=...)`) so tests see retries. Tests and development
start them on a free port; nothing of the app is imported.
"""

from xgm.botsim.bots import DingTalkSim, WeComSim

__all__ = ["DingTalkSim", "WeComSim"]
