"""Maps, charts, the threat-assessment report and the dashboard, all offline.

The views reach the model through :mod:`isthmus.experiments.runs` only
(interfaces -> experiments -> engine -> scenario). A run is usually several
seeds (:func:`simulate` ``seeds=5``): charts draw the mean and its 90% band
against the observed record up to 2006, and sentences and tables give every
difference with its interval over seeds.

Examples
--------
>>> from isthmus.viz import simulate, flow_map
>>> fig = flow_map(simulate("central-america", seed=0), 2006)
>>> fig.layout.geo.projection.type
'mercator'
"""

from .charts import Chart, available_charts, chart_set, chart_tables
from .maps import MapUnavailable, control_map, flow_map, homicide_map
from .narrative import key_findings
from .report import build_report
from .rundata import RunData, load_run, load_run_dir, simulate, without_policies
from .tables import effects, effects_display

__all__ = [
    "Chart",
    "MapUnavailable",
    "RunData",
    "available_charts",
    "build_report",
    "chart_set",
    "chart_tables",
    "control_map",
    "effects",
    "effects_display",
    "flow_map",
    "homicide_map",
    "key_findings",
    "load_run",
    "load_run_dir",
    "simulate",
    "without_policies",
]
