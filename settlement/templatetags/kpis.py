"""KPI figures on the assessment pages: `{{ result.value|kpi_figure:result.kpi }}` (a ratio as a percentage, the
complaint rate per 1,000 orders), `{{ result.attainment|percent }}`."""
from django import template

from settlement.services import kpis

register = template.Library()


@register.filter
def kpi_figure(value, kpi: str) -> str:
    return kpis.kpi_figure(kpi, value)


register.filter("percent", kpis.percent)
