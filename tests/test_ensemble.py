"""Ensembles: derived seeds, parameter draws, determinism across backends, crash and resume."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isthmus.experiments.ensemble import (
    Ensemble,
    EnsembleError,
    derive_seed,
    local_cluster,
    parameter_space,
)
from isthmus.experiments.sensitivity import truncate
from isthmus.results.ensemble_store import EnsembleStore
from isthmus.scenario import ScenarioError, load_scenario

CLI = [sys.executable, "-c", "from isthmus.cli import main; main()"]


@pytest.fixture(scope="module")
def short_scenario():
    """The default scenario cut at 2002 (36 months): same network, faster runs."""
    return truncate(load_scenario("central-america"), 2002)


# -- seeds and draws ---------------------------------------------------------------------


def test_seeds_are_derived_from_base_seed_and_index():
    ens = Ensemble("central-america", runs=5, seed=42)
    seeds = [s.seed for s in ens.specs()]
    assert seeds == [derive_seed(42, i) for i in range(5)]
    assert len(set(seeds)) == 5
    # a run's seed and draw depend only on (base seed, index), not on the ensemble size
    big = Ensemble("central-america", runs=9, seed=42).specs()
    assert big[:5] == ens.specs()
    assert Ensemble("central-america", runs=5, seed=43).specs()[0].seed != seeds[0]


def test_draws_lie_in_declared_ranges_and_scenario_overrides_apply(short_scenario):
    sc = short_scenario.copy()
    sc.set_param("routes", "theta", 25.0)
    p = sc.tables["parameters"]
    p.loc[(p["module"] == "routes") & (p["name"] == "theta"), ["low", "high"]] = [20.0, 21.0]
    space = {q.key: q for q in parameter_space(sc)}
    assert (space["routes.theta"].low, space["routes.theta"].high) == (20.0, 21.0)
    ens = Ensemble(sc, runs=30, seed=1)
    for spec in ens.specs():
        for k, v in spec.params.items():
            assert space[k].low <= v <= space[k].high, k
        assert 20.0 <= spec.params["routes.theta"] <= 21.0
    thetas = [s.params["routes.theta"] for s in ens.specs()]
    assert np.std(thetas) > 0.1  # spread over the range, not a constant


def test_latin_hypercube_stratifies(short_scenario):
    ens = Ensemble(short_scenario, runs=20, seed=2, sampling="lhs", params=["routes.theta"])
    q = parameter_space(short_scenario, ["routes.theta"])[0]
    u = np.array([(s.params["routes.theta"] - q.low) / (q.high - q.low) for s in ens.specs()])
    # one draw in each of the 20 strata
    assert sorted(np.floor(u * 20).astype(int).tolist()) == list(range(20))


def test_unknown_or_rangeless_parameter_is_a_validation_error():
    with pytest.raises(ScenarioError) as e:
        Ensemble("central-america", runs=2, params=["routes.nope", "nomodule.x"])
    assert len(e.value.problems) == 2
    assert "routes.nope" in str(e.value)


def test_runs_store_seed_params_and_version(short_scenario):
    ens = Ensemble(short_scenario, runs=4, seed=5, params=["routes.theta", "interdiction.k_sea"])
    res = ens.run()
    runs = res.runs
    assert runs["run_id"].tolist() == [0, 1, 2, 3]
    assert runs["seed"].tolist() == [derive_seed(5, i) for i in range(4)]
    assert set(runs["scenario_hash"]) == {short_scenario.hash()}
    assert runs["code_version"].str.len().min() > 0
    pars = res.params
    for spec in ens.specs():
        drawn = pars[pars["run_id"] == spec.run_id].set_index("param")["value"].to_dict()
        assert drawn == pytest.approx(spec.params)
        full = json.loads(runs.loc[runs["run_id"] == spec.run_id, "params"].iloc[0])
        assert full["routes.theta"] == pytest.approx(spec.params["routes.theta"])
    ind = res.indicators
    assert list(ind.columns) == ["run_id", "seed", "indicator", "region", "year", "value", "unit"]
    # the draws matter: runs differ
    d = ind[(ind["indicator"] == "delivered_t") & (ind["region"] == "usa")]
    assert d.groupby("run_id")["value"].sum().nunique() == 4


def test_fast_annual_table_equals_the_public_indicators_table(short_scenario):
    from isthmus import Sim
    from isthmus.experiments.ensemble import annual_table

    res = Sim(short_scenario, seed=4).run()
    fast = annual_table(res, run_id=2, seed=4).to_pandas()
    ref = res.indicators_annual
    assert (fast["run_id"] == 2).all() and (fast["seed"] == 4).all()
    for c in ("indicator", "region", "unit"):
        assert fast[c].astype(str).tolist() == ref[c].astype(str).tolist(), c
    assert fast["year"].tolist() == ref["year"].tolist()
    np.testing.assert_array_equal(fast["value"].to_numpy(), ref["value"].to_numpy(dtype=float))


def test_no_draws_gives_replicates_that_differ_only_by_seed(short_scenario):
    res = Ensemble(short_scenario, runs=3, seed=5, draws=False).run()
    assert res.params.empty
    assert res.runs["params"].nunique() == 1
    assert res.runs["seed"].nunique() == 3


def test_bands_are_quantiles_of_the_runs(short_scenario):
    res = Ensemble(short_scenario, runs=7, seed=9).run()
    b = res.bands
    # some regions (e.g. a splinter group's revenue) exist only in the runs that made them
    assert ((b["n_runs"] + b["n_nan"]) <= 7).all()
    d = b[b["indicator"] == "delivered_t"]
    assert len(d) > 0 and ((d["n_runs"] + d["n_nan"]) == 7).all()
    q = b[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-9).all()
    ind = res.indicators
    v = ind[(ind["indicator"] == "delivered_t") & (ind["region"] == "usa") & (ind["year"] == 2002)][
        "value"
    ].to_numpy()
    row = res.band("delivered_t", "usa").set_index("year").loc[2002]
    v = v[~np.isnan(v)]  # runs whose model state went non-finite are left out of the bands
    assert row["n_runs"] == len(v) >= 4
    assert row["q05"] == pytest.approx(np.quantile(v, 0.05))
    assert row["q50"] == pytest.approx(np.median(v))
    assert row["mean"] == pytest.approx(v.mean())


def test_band_plot_is_offline_html(short_scenario, tmp_path):
    Ensemble(short_scenario, runs=3, seed=1).run(out=tmp_path)
    html = (tmp_path / "bands.html").read_text()
    assert "delivered_t, usa" in html
    # no external script (plotly.js is inline; a CDN would leave the page blank offline)
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert len(html) > 1_000_000  # plotly.js is embedded


# -- determinism across backends ---------------------------------------------------------


def _listening(procs) -> set[tuple[int, str, int]]:
    import psutil

    out = set()
    for p in procs:
        with contextlib.suppress(psutil.Error):
            conns = getattr(p, "net_connections", None) or p.connections
            for c in conns(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    out.add((p.pid, c.laddr.ip, c.laddr.port))
    return out


@pytest.fixture(scope="module")
def dask_cluster():
    import psutil

    me = psutil.Process()
    before_children = {c.pid for c in me.children(recursive=True)}
    before = _listening([me])
    with local_cluster(2) as client:
        client.wait_for_workers(2, timeout=60)
        new_children = [c for c in me.children(recursive=True) if c.pid not in before_children]
        sockets = (_listening([me]) - before) | _listening(new_children)
        yield client, sockets


def test_dask_servers_bind_only_loopback(dask_cluster):
    client, sockets = dask_cluster
    # scheduler, dashboard, and a worker and a nanny per worker process
    assert len(sockets) >= 4, sockets
    assert {ip for _, ip, _ in sockets} == {"127.0.0.1"}, sockets
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    # the numpy slow-down of Dask's nanny is turned off in the workers
    env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert set(env.values()) == {None}


def test_same_seed_same_results_on_1_and_2_workers_and_dask(dask_cluster):
    client, _ = dask_cluster
    ens = Ensemble("central-america", runs=6, seed=11)
    one = ens.run(workers=1)
    two = ens.run(workers=2)
    dsk = ens.run(client=client)
    a, b, c = one.indicators, two.indicators, dsk.indicators
    assert a["run_id"].nunique() == 6
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    # bit for bit, NaN signs included (the export must be byte-identical)
    bits = [x["value"].to_numpy(dtype=float).view(np.uint64) for x in (a, b, c)]
    np.testing.assert_array_equal(bits[0], bits[1])
    np.testing.assert_array_equal(bits[0], bits[2])
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.runs, dsk.runs)
    pd.testing.assert_frame_equal(one.bands, dsk.bands)
    # the parallel runs really ran in other processes
    assert two.run_log["worker"].nunique() == 2
    assert os.getpid() not in {int(w.split(":")[1]) for w in dsk.run_log["worker"]}


# -- crash safety and resume -------------------------------------------------------------


def _store_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with EnsembleStore(path, read_only=True) as st:
        return st.table("runs"), st.table("indicators")


def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path):
    out = tmp_path / "ens"
    n = 10
    cmd = CLI + ["ensemble", "central-america", "--runs", str(n), "--workers", "2"]
    cmd += ["--seed", "3", "--out", str(out), "--no-plots"]
    p = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    done = 0
    try:
        for line in p.stderr:
            done += " done " in line
            if done >= 3:
                break
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)  # the pool workers of the killed ensemble
        p.stderr.close()
    assert p.returncode == -signal.SIGKILL
    runs, ind = _store_tables(out / "results.duckdb")
    assert 3 <= len(runs) < n, "the ensemble was not killed partway"
    assert set(ind["run_id"]) == set(runs["run_id"])

    # a plain rerun into the same folder is refused; a resume with another seed too
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and "--resume" in r.stdout + r.stderr
    bad = list(cmd)
    bad[bad.index("--seed") + 1] = "4"
    r = subprocess.run(bad + ["--resume"], capture_output=True, text=True)
    assert r.returncode == 2 and "base_seed" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr

    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stderr.count(" done ") == n - len(runs)  # finished runs were not redone
    runs2, ind2 = _store_tables(out / "results.duckdb")
    assert runs2["run_id"].tolist() == list(range(n))
    assert not ind2.duplicated(["run_id", "indicator", "region", "year"]).any()

    ref = Ensemble("central-america", runs=n, seed=3).run(workers=2)
    pd.testing.assert_frame_equal(ind2, ref.indicators)
    pd.testing.assert_frame_equal(
        runs2.drop(columns="git_commit"), ref.runs.drop(columns="git_commit")
    )


def test_resume_extends_and_is_idempotent(short_scenario, tmp_path):
    Ensemble(short_scenario, runs=3, seed=4).run(out=tmp_path, plots=False).close()
    with pytest.raises(EnsembleError, match="already exists"):
        Ensemble(short_scenario, runs=3, seed=4).run(out=tmp_path)
    again = Ensemble(short_scenario, runs=3, seed=4).run(out=tmp_path, resume=True, plots=False)
    assert again.n_new == 0 and again.store.n_runs() == 3
    again.close()
    more = Ensemble(short_scenario, runs=5, seed=4).run(out=tmp_path, resume=True, plots=False)
    assert more.n_new == 2 and more.store.n_runs() == 5
    ref = Ensemble(short_scenario, runs=5, seed=4).run()
    pd.testing.assert_frame_equal(more.indicators, ref.indicators)
    more.close()
    with pytest.raises(EnsembleError, match="space"):
        Ensemble(short_scenario, runs=5, seed=4, params=["routes.theta"]).run(
            out=tmp_path, resume=True
        )


def test_failed_run_is_recorded_and_retried_on_resume(short_scenario, tmp_path, monkeypatch):
    from isthmus.engine.sim import Sim

    orig = Sim.run
    bad_seed = derive_seed(6, 1)

    def flaky(self, progress=None):
        if self.seed == bad_seed:
            raise RuntimeError("boom")
        return orig(self, progress)

    monkeypatch.setattr(Sim, "run", flaky)
    res = Ensemble(short_scenario, runs=3, seed=6).run(out=tmp_path, plots=False)
    assert [r.run_id for r in res.failures] == [1]
    assert res.runs["run_id"].tolist() == [0, 2]
    f = res.store.table("failures")
    assert f["run_id"].tolist() == [1] and "boom" in f["error"].iloc[0]
    res.close()
    monkeypatch.setattr(Sim, "run", orig)
    res = Ensemble(short_scenario, runs=3, seed=6).run(out=tmp_path, resume=True, plots=False)
    assert res.runs["run_id"].tolist() == [0, 1, 2]
    assert res.store.table("failures").empty
    res.close()


# -- CLI ---------------------------------------------------------------------------------


def test_cli_ensemble_and_export(cli, tmp_path):
    code, out = cli(
        "ensemble",
        "central-america",
        "--runs",
        "3",
        "--seed",
        "1",
        "--out",
        str(tmp_path / "e"),
        "--no-draws",
    )
    assert code == 0, out
    assert "3 run(s) in" in " ".join(out.split())
    code, out = cli(
        "export", str(tmp_path / "e"), "--format", "parquet", "--out", str(tmp_path / "x")
    )
    assert code == 0, out
    ind = pd.read_parquet(tmp_path / "x" / "indicators.parquet")
    assert sorted(ind["run_id"].unique().tolist()) == [0, 1, 2]
    assert (tmp_path / "x" / "runs.parquet").exists()
    code, out = cli("export", str(tmp_path / "nothing"), "--out", str(tmp_path / "y"))
    assert code == 2
    code, out = cli("ensemble", "central-america", "--runs", "2", "--params", "routes.nope")
    assert code == 2 and "routes.nope" in out


def test_unreachable_scheduler_is_a_clear_error():
    from isthmus.experiments.ensemble import connect

    with pytest.raises(EnsembleError, match="cannot connect"):
        connect("tcp://127.0.0.1:1", timeout=1)


# -- concurrency and resume consistency --------------------------------------------------


def test_resume_with_fewer_runs_than_stored_is_refused(short_scenario, tmp_path):
    Ensemble(short_scenario, runs=3, seed=4, draws=False).run(out=tmp_path, plots=False).close()
    with pytest.raises(EnsembleError, match="holds an ensemble of 3 runs"):
        Ensemble(short_scenario, runs=2, seed=4, draws=False).run(out=tmp_path, resume=True)
    st = EnsembleStore(tmp_path / "results.duckdb", read_only=True)
    assert st.get_meta()["n_runs"] == "3"  # unchanged by the refused resume
    st.close()


def test_a_store_in_use_is_refused_even_with_resume(short_scenario, tmp_path):
    from isthmus.results.ensemble_store import StoreLock

    lock = StoreLock(tmp_path / "results.duckdb")
    try:
        for resume in (False, True):
            with pytest.raises(EnsembleError, match="in use by another process"):
                Ensemble(short_scenario, runs=2, seed=4, draws=False).run(
                    out=tmp_path, resume=resume
                )
    finally:
        lock.release()
    assert not (tmp_path / "results.duckdb").exists()


@pytest.fixture()
def short_folder(tmp_path):
    from isthmus.scenario import export_scenario

    d = export_scenario("central-america", tmp_path / "sc")
    text = (d / "scenario.yaml").read_text().replace("end: 2015-12", "end: 2000-12")
    (d / "scenario.yaml").write_text(text)
    return d


def test_two_ensembles_started_together_on_one_folder(short_folder, tmp_path):
    out = tmp_path / "race"
    args = CLI + ["ensemble", str(short_folder), "--runs", "2", "--seed", "3", "--out", str(out)]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    res = [(p.wait(timeout=300), p.stdout.read()) for p in procs]
    codes = sorted(c for c, _ in res)
    assert codes == [0, 2], res
    for _, text in res:
        assert "Traceback" not in text and "Exception" not in text, text
    loser = " ".join(next(t for c, t in res if c == 2).split())
    assert str(out) in loser and ("in use" in loser or "already exists" in loser), loser
    st = EnsembleStore(out / "results.duckdb", read_only=True)
    assert st.done_ids() == {0, 1}
    st.close()


def test_cli_resume_with_nothing_left_prints_no_nan(cli, short_folder, tmp_path):
    out = tmp_path / "e"
    base = ["ensemble", str(short_folder), "--runs", "2", "--out", str(out), "--no-plots"]
    code, text = cli(*base)
    assert code == 0, text
    code, text = cli(*base, "--resume")
    assert code == 0, text
    assert "nan" not in text.lower() and "nothing left to run" in text
    code, text = cli(*base[:2], "--runs", "1", *base[4:], "--resume")
    assert code == 2 and "holds an ensemble of 2 runs" in " ".join(text.split())


def test_cli_store_write_failure_is_one_message(cli, short_folder, tmp_path, monkeypatch):
    import duckdb

    orig = EnsembleStore.write_run
    calls = []

    def full_after_one(self, rec, *a, **k):
        calls.append(rec.run_id)
        if len(calls) > 1:
            raise duckdb.IOException('Could not write file "x.wal": No space left on device')
        return orig(self, rec, *a, **k)

    monkeypatch.setattr(EnsembleStore, "write_run", full_after_one)
    out = tmp_path / "e"
    code, text = cli("ensemble", str(short_folder), "--runs", "2", "--out", str(out))
    assert code == 1, text
    flat = " ".join(text.split())
    assert "No space left on device" in flat and "--resume" in flat and "Traceback" not in text
    assert not (out / ".results.duckdb.lock").exists()
    st = EnsembleStore(out / "results.duckdb", read_only=True)
    assert len(st.done_ids()) == 1  # the committed run is kept for --resume
    st.close()
    # a store that gets no run at all is not left behind, nor the folder made for it
    calls.append(-1)
    out2 = tmp_path / "new" / "e2"
    code, text = cli("ensemble", str(short_folder), "--runs", "1", "--out", str(out2))
    assert code == 1 and "Nothing was written" in " ".join(text.split())
    assert not out2.exists()
