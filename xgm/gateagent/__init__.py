"""The on-site gate agent: `python -m xgm.gateagent`, paired with one gate, opening its barrier.

It runs on the compound's LAN (a Raspberry Pi or a mini PC), keeps an outbound long poll to
xgm (the cloud never connects into the compound), receives "open" commands for its gate,
drives the barrier or door controller through an adapter (Hikvision ISAPI, a signed HTTP
relay, a USB/serial relay board) and reports what the device answered. It needs the Python
standard library and `requests` only: nothing here imports Flask or the rest of xgm.
"""

VERSION = "1.0.0"
