"""Simulators of the gate devices the agent drives, written to their published protocols.

`HikvisionSim` (ISAPI RemoteControl with HTTP Digest), `RelaySim` (the signed HTTP relay of
xgm/gateagent/adapters/httprelay.py) and `SerialBoardSim` (an LCUS relay board on a
pseudo-terminal). Standard library only; the tests run them in-process on free ports, and
`python -m xgm.gatesim` runs one by hand for development.
"""
