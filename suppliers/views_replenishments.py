"""Portal pages of replenishment requests (补货申请): every request, open or done, and each one's history, for whoever
reads the stock (a supplier its own gifts', operators, logistics and finance every supplier's). The stock page lists
the open ones; a met or cancelled request, which still counts in the supplier's assessment, is found here."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from core.api.permissions import require_role
from core.fsm import history_of
from core.pages import paginate
from suppliers.forms_catalog import ReplenishmentFilterForm
from suppliers.selectors import replenishments_of
from suppliers.views_catalog import GIFT_READERS
from suppliers.views_stock import STOCK_READERS, own_supplier_id


@login_required
def replenishment_list(request):
    require_role(request.user, STOCK_READERS)
    filters = ReplenishmentFilterForm(request.GET, supplier_id=own_supplier_id(request.user))
    context = paginate(request, filters.apply(replenishments_of(request.user, **filters.values()))) | {
        "filters": filters, "opens_gifts": request.user.role in GIFT_READERS,
    }
    return render(request, "suppliers/catalog/replenishment_list.html", context, status=filters.status)


@login_required
def replenishment_detail(request, pk: int):
    """One request with who raised, met or cancelled it, when and why; another supplier's is a 404."""
    require_role(request.user, STOCK_READERS)
    replenishment = get_object_or_404(replenishments_of(request.user), pk=pk)
    return render(request, "suppliers/catalog/replenishment_detail.html", {
        "replenishment": replenishment, "history": history_of(replenishment), "opens_gifts": request.user.role in GIFT_READERS,
    })
