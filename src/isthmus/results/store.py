"""Write a run's results to a DuckDB file (the embedded default store).

Tables: ``runs`` (metadata: scenario, hash, seed, code version, parameters),
``indicators_annual``, ``indicators_monthly`` and ``ledger``.

Examples
--------
>>> import tempfile, duckdb, pathlib
>>> from isthmus import Sim
>>> r = Sim("central-america", seed=2).run()
>>> p = pathlib.Path(tempfile.mkdtemp()) / "run.duckdb"
>>> write_run(r, p)
>>> duckdb.connect(str(p)).execute("select count(*) from runs").fetchone()[0]
1
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd


def write_run(results, path: Path | str, run_id: int = 0) -> None:  # noqa: ANN001
    """Write one run's tables into a new DuckDB file at ``path``."""
    con = duckdb.connect(str(path))
    try:
        meta = results.metadata()
        runs = pd.DataFrame(
            [{"run_id": run_id, **meta, "params": json.dumps(results.params, sort_keys=True)}]
        )
        ann = results.indicators_annual.assign(run_id=run_id)
        mon = results.monthly.assign(run_id=run_id)
        led = results.ledger.assign(run_id=run_id)
        con.execute("begin transaction")
        for name, df in (
            ("runs", runs),
            ("indicators_annual", ann),
            ("indicators_monthly", mon),
            ("ledger", led),
        ):
            con.register("df_view", df)
            con.execute(f"create or replace table {name} as select * from df_view")
            con.unregister("df_view")
        for name, df in results.extra.items():
            con.register("df_view", df.assign(run_id=run_id))
            con.execute(f"create or replace table {name} as select * from df_view")
            con.unregister("df_view")
        con.execute("commit")
    finally:
        con.close()
