"""Figures of the company's gates for a period, read from the features' tables, and their labels.

Shared by every page that reports: the manager dashboard (xgm.dashboard), the CSV exports,
the observers' and regulators' pages (xgm.oversight), the company's closure page and the
compliance report. Periods are China days (periods.py); SQL date arithmetic per dialect is in
sqltime.py; charts.py draws inline SVG; presenting.py shapes the figures for templates.
"""
