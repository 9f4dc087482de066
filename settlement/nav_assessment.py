"""Navigation entries of monthly assessments (imported by SettlementConfig.ready)."""
from django.utils.translation import gettext_lazy as _

from settlement.services import assessment  # registers the "assessment" source kind of adjustments too
from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav
from settlement.models import PenaltyProposal, SuspensionProposal
from settlement.views_assessment import READERS, STAFF

register_nav(_("考核得分"), "settlement-assessments", roles=READERS, order=95,
             group=NavGroup.SUPPLIERS)
register_nav(_("扣款建议"), "settlement-penalty-proposals", roles=PenaltyProposal.visibility.staff, order=96, group=NavGroup.SETTLEMENT,
             badge=assessment.penalties_waiting, badge_query=WAITING_QUERY)
register_nav(_("暂停合作建议"), "settlement-suspension-proposals", roles=SuspensionProposal.visibility.staff, order=97, group=NavGroup.SUPPLIERS,
             badge=assessment.suspensions_waiting)
register_nav(_("考核指标"), "settlement-kpi-settings", roles=STAFF, order=98, group=NavGroup.SUPPLIERS)
register_nav(_("扣款规则"), "settlement-penalty-rules", roles=STAFF, order=99, group=NavGroup.SETTLEMENT)
