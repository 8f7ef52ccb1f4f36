"""The app layer: the only code that imports ipywidgets.

``Dashboard`` is the main dashboard (JupyterLab and the Voila app); ``explorer.widgets`` keeps the small
widgets of the prices, images, token-lab and usage notebooks.
"""

from explorer.app.chart_slot import ChartSlot, enable_offline
from explorer.app.dashboard import Dashboard
from explorer.app.state import AppState

__all__ = ["AppState", "ChartSlot", "Dashboard", "enable_offline"]
