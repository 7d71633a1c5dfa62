"""History that grows: `arrival` and the access log (`rider_data_access`) by month.

On PostgreSQL both are partitioned by range of `created_at`, one partition per month
(`arrival_p202612`) plus a default one for rows outside them; migration 0020 turns the plain
tables into partitioned ones keeping every row. The `history` periodic job creates the
partitions ahead, drops whole months after XGM_HISTORY_KEEP_MONTHS and blanks rider data of
whole months older than every tenant's retention period. On SQLite the tables stay plain.
"""


def init_app(app) -> None:
    """The periodic job (its settings XGM_HISTORY_*: xgm/config.py)."""
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_periodic(
        PeriodicJob(
            name="history",
            func="xgm.history.jobs.maintain_history",
            queue="default",
            interval_key="XGM_HISTORY_INTERVAL",
            timeout=1800,
        )
    )
