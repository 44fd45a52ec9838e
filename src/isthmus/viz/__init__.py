"""Maps, charts, the threat-assessment report and the dashboard, all offline.

Examples
--------
>>> from isthmus.viz import simulate, flow_map
>>> fig = flow_map(simulate("central-america", seed=0), 2006)
>>> fig.layout.geo.projection.type
'mercator'
"""

from .charts import available_charts
from .maps import MapUnavailable, control_map, flow_map, homicide_map
from .narrative import key_findings
from .report import build_report
from .rundata import RunData, load_run, load_run_dir, simulate, without_policies

__all__ = [
    "MapUnavailable",
    "RunData",
    "available_charts",
    "build_report",
    "control_map",
    "flow_map",
    "homicide_map",
    "key_findings",
    "load_run",
    "load_run_dir",
    "simulate",
    "without_policies",
]
