"""Portal pages of the gift categories: operators add them and change their names and required certificates; suppliers
(who submit gifts only with the certificates their category requires) and the other staff read them, as the API lets
everyone (members find them as their catalog's filter)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.api.permissions import require_role
from core.pages import act_with_form, form_status
from core.roles import OPERATORS, STAFF_ROLES, SUPPLIER_ROLES, has_role
from suppliers.forms_catalog import CategoryForm
from suppliers.services import categories

CATEGORY_READERS = STAFF_ROLES | SUPPLIER_ROLES


@login_required
def category_list(request):
    """The categories with their gift counts, and for operators the form that adds one (its errors next to its fields)."""
    require_role(request.user, CATEGORY_READERS if request.method == "GET" else OPERATORS)
    form = CategoryForm(request.POST or None)
    added = _("已添加礼品类别 %(name)s") % {"name": request.POST.get("name", "").strip()}
    if request.method == "POST" and act_with_form(request, form, categories.save_category, success=added):
        return redirect("operator-categories")
    return render(request, "suppliers/catalog/categories.html", {"categories": categories.list_categories(), "form": form,
                                                                "may_edit": has_role(request.user, OPERATORS),
                                                                # how many gifts: every supplier's, not for a supplier to count
                                                                "counts_gifts": request.user.role not in SUPPLIER_ROLES},
                  status=400 if form.errors else 200)


@login_required
def category_edit(request, pk: int):
    """One category's names and required certificates (its code stays): what the operator changed on the form, what
    another changed meanwhile kept (both changed a field: 409, see EditsShownValues)."""
    require_role(request.user, OPERATORS)
    category = get_object_or_404(categories.list_categories(), pk=pk)
    form = CategoryForm(request.POST or None, category=category)
    changed = _("礼品类别 %(code)s 已更新") % {"code": category.code}
    if request.method == "POST" and act_with_form(request, form, categories.save_category, success=changed, category=category):
        return redirect("operator-categories")
    return render(request, "suppliers/catalog/category_edit.html", {"category": category, "form": form},
                  status=form_status(form, 400) if form.errors else 200)

