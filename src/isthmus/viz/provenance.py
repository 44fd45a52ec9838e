"""Where a run's numbers come from: scenario table sources and parameter provenance.

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0)
>>> t = parameter_table(rd)
>>> {"parameter", "value", "source"} <= set(t.columns)
True
"""

from __future__ import annotations

import pandas as pd

from .rundata import RunData


def is_assumption(source: str) -> bool:
    """True for a source marked ``assumption: <reason>``."""
    return str(source).strip().lower().startswith("assumption")


def parameter_table(rd: RunData) -> pd.DataFrame:
    """Every module parameter used by the run: value, unit, range and source.

    The value is the run's; the source is the scenario's ``parameters.csv``
    row when the scenario sets the parameter, else the module's declaration.
    """
    from ..experiments.runs import declared_parameters

    declared = declared_parameters()
    sc_rows: dict[str, dict] = {}
    if rd.scenario is not None:
        for r in rd.scenario.parameters.to_dict("records"):
            sc_rows[f"{r['module']}.{r['name']}"] = r
    rows = []
    keys = list(rd.params) or [f"{m}.{k}" for m, ps in declared.items() for k in ps]
    for key in keys:
        m, _, k = key.partition(".")
        p = declared.get(m, {}).get(k)
        sc = sc_rows.get(key)
        value = rd.params.get(key, p.default if p else float("nan"))
        if sc is not None:
            origin, src = "scenario parameters.csv", str(sc.get("source", ""))
        elif p is not None and value == p.default:
            origin, src = "module default", p.source
        else:
            origin, src = "override", p.source if p else ""
        lo, hi = (p.low, p.high) if p else (None, None)
        outside = (lo is not None and value < lo) or (hi is not None and value > hi)
        rows.append(
            {
                "parameter": key,
                "value": value,
                "unit": p.unit if p else str(sc.get("unit", "") if sc else ""),
                "low": p.low if p else None,
                "high": p.high if p else None,
                "set by": origin + (" (outside the declared range)" if outside else ""),
                "source": src,
                "description": p.description if p else "",
            }
        )
    return pd.DataFrame(rows)


def table_sources(rd: RunData) -> list[dict]:
    """For each scenario table: rows, cited vs assumption rows, and distinct sources with counts."""
    if rd.scenario is None:
        return []
    out = []
    for name, df in rd.scenario.tables.items():
        if "source" not in df.columns or df.empty:
            continue
        src = df["source"].fillna("").astype(str).str.strip()
        counts = src[src != ""].value_counts()
        out.append(
            {
                "table": f"{name}.csv",
                "rows": int(len(df)),
                "cited": int(sum(not is_assumption(s) for s in src if s)),
                "assumption": int(sum(is_assumption(s) for s in src if s)),
                "missing": int((src == "").sum()),
                "sources": [(str(s), int(n)) for s, n in counts.items()],
            }
        )
    return out


def policy_size(p: dict) -> str:
    """A policy's size with the unit of its type ("12,000 personnel", "0.3 relative cut...")."""
    from ..experiments.runs import size_unit
    from .quantities import sig

    size = p.get("size", "")
    try:
        text = sig(float(size))
    except (TypeError, ValueError):
        text = str(size)
    unit = size_unit(str(p.get("type", "")))
    return f"{text} {unit}".strip()


def policy_table(rd: RunData) -> pd.DataFrame:
    """The run's dated interventions with their sources (sizes with their units)."""
    rows = []
    for p in rd.policies:
        tgt = p.get("target", {}) or {}
        rows.append(
            {
                "policy": p.get("name") or p.get("type", ""),
                "type": p.get("type", ""),
                "from": p.get("start", ""),
                "to": p.get("end") or "end of run",
                "target": "; ".join(f"{k}: {v}" for k, v in tgt.items()),
                "size (unit)": policy_size(p),
                "source": p.get("source", ""),
            }
        )
    return pd.DataFrame(rows)
