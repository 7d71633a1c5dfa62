"""Simulator of the city platform (小哥码城市平台): the whole contract, plus failure controls."""

from xgm.citysim.app import create_sim_app

__all__ = ["create_sim_app"]
