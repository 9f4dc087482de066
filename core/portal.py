"""The portal's navigation: each app registers its pages for the roles that use them, and the lists a supplier's page
links to. What a page's view is made of besides (pagination, action forms, going back) is core.pages."""
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise, SimpleLazyObject, cached_property
from django.utils.translation import pgettext_lazy

from core.roles import STAFF_ROLES, waiting_counts


class NavGroup:
    """The areas a staff navigation is grouped into, in no order of their own: a group comes where its first entry does."""

    SUPPLIERS = pgettext_lazy("nav group", "供应商")
    GIFTS = pgettext_lazy("nav group", "礼品")
    ORDERS = pgettext_lazy("nav group", "订单与物流")
    SETTLEMENT = pgettext_lazy("nav group", "结算")
    SERVICE = pgettext_lazy("nav group", "客服")


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    order: int = 100
    badge: Callable | None = dataclasses.field(default=None, compare=False)  # badge(user) -> a count shown next to the entry
    group: str | Promise = ""
    badge_title: str | Promise = ""  # what the count is, when not items pending (待处理)
    badge_query: str = ""  # the page's filter listing just what the badge counts ("waiting=1"), which the badge links to
    # shown_to(user) -> whether the entry is shown to this user of its roles (its supplier's kind of business, say)
    shown_to: Callable | None = dataclasses.field(default=None, compare=False)


_items: list[NavItem] = []
_menus: dict[str, list[tuple[str | Promise, frozenset[str]]]] = {}  # role → its own headings, each with its entries' url names


def register_nav(
    label: str | Promise, url_name: str, *, roles: set[str] | frozenset[str], order: int = 100, badge: Callable | None = None,
    group: str | Promise = "", badge_title: str | Promise = "", badge_query: str = "", shown_to: Callable | None = None,
) -> None:
    """Add a navigation entry shown to `roles` (call from an AppConfig.ready); `badge(user)` counts what waits there,
    and `badge_query`, where the page lists more than that, is its filter listing those rows: the badge and the home
    page's to-do entry link to the page so filtered, built on the badge's own rule, so the count is the rows shown;
    `group` (a NavGroup) is the heading it comes under for staff, whose navigation is long; a role with a menu of its
    own (`register_menu`) has it placed there instead; members' stays flat. `shown_to(user)`, when given, narrows the
    entry to the users of `roles` it is true for (a page only some suppliers use): it is asked once per user object, so
    once per request however many entries share it (`_shown`); the page itself still answers whoever types its address,
    as its view decides."""
    item = NavItem(label, url_name, frozenset(roles), order, badge, group, badge_title, badge_query, shown_to)
    if item not in _items:
        _items.append(item)
        _items.sort(key=lambda i: i.order)  # kept in order (stable: as registered within an order), not sorted per page


def register_menu(*, roles: set[str] | frozenset[str], groups: list[tuple[str | Promise, list[str]]]) -> None:
    """Lay out the navigation of `roles` under headings of their own, in the order given: `groups` is [(heading, url
    names of its entries)]. For a role whose pages come from several apps that register them (with staff) by area, the
    headings say what the role does there. Its entries keep their order within a heading; one placed under none comes
    last, under none, so a page added later is still reachable. Call from an AppConfig.ready."""
    for role in roles:
        _menus[role] = [(heading, frozenset(names)) for heading, names in groups]


def navigation(request) -> dict:
    """Template context: the entries the current user's role may open (`nav_items`), those with something waiting
    (`nav_waiting`), and the same entries under their
    headings (`nav_groups`: the role's own menu, see register_menu, else the staff areas by each entry's group; entries
    under none come last; members' navigation is one group without a heading). Each is made when a template first
    reads it, once per request however many templates the request renders (a page's sections rendered apart, the
    admin's pages, which show none of it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_waiting": [], "nav_groups": []}
    nav = getattr(request, "portal_navigation", None)
    if nav is None or nav.user is not user:  # the user signed in or out since: its own
        nav = request.portal_navigation = _Navigation(user)
    return {"nav_items": SimpleLazyObject(lambda: nav.items), "nav_waiting": SimpleLazyObject(lambda: nav.waiting),
            "nav_groups": SimpleLazyObject(lambda: nav.groups)}


class _Navigation:
    """One user's navigation on one request (see `navigation`)."""

    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def items(self) -> list[dict]:
        return _entries(self.user)

    @cached_property
    def waiting(self) -> list[dict]:
        return [entry for entry in self.items if entry["badge"]]

    @cached_property
    def groups(self) -> list[dict]:
        if self.user.role in _menus:
            return _laid_out(self.items, _menus[self.user.role])
        if self.user.role in STAFF_ROLES:
            return _grouped(self.items)
        return [{"label": "", "items": self.items}]


def waiting_work(user) -> list[dict]:
    """What waits for the user, page by page (the navigation's badges): `page` (its path, filtered to what it counts where its
    list shows more), `label`, `count`."""
    return [{"page": e["waiting_url"], "label": e["label"], "count": e["badge"]} for e in _entries(user) if e["badge"]]


def _entries(user) -> list[dict]:
    """The entries the user's role may open, in order, each with its badge counted (all of them in one query) and the
    link of what it counts (`waiting_url`: the page, filtered by its `badge_query`)."""
    opened = list(_open_to(user, _items))
    counts = waiting_counts(user, [item.badge for item, _url in opened])
    return [
        {"label": item.label, "url": url, "url_name": item.url_name, "badge": count, "group": item.group, "badge_title": item.badge_title,
         "waiting_url": f"{url}?{item.badge_query}" if item.badge_query else url}
        for (item, url), count in zip(opened, counts)
    ]


def _open_to(user, items):
    """(item, its path) for each of `items` (kept in their order) the user's role may open; an
    item whose page is not installed is left out. A superuser opens every staff page too, but no member's or supplier's
    page: those show the signed-in member's or supplier's own data, which a superuser has none of."""
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    if key not in _paths and len(_paths) >= 8:  # a prefix is whatever the server was sent (SCRIPT_NAME): bounded
        _paths.clear()
    paths = _paths.setdefault(key, {})
    for item in items:
        if (user.role in item.roles or (user.is_superuser and item.roles & STAFF_ROLES)) and _shown(user, item):
            if item.url_name not in paths:  # resolved once for each URL configuration and script prefix
                try:
                    paths[item.url_name] = reverse(item.url_name)
                except NoReverseMatch:
                    paths[item.url_name] = None
            if paths[item.url_name] is not None:
                yield item, paths[item.url_name]


def _shown(user, item: NavItem) -> bool:
    """Whether the item's condition (`shown_to`) holds for the user, each condition asked once per user object (a
    request's: the navigation, the home page's to-do list and the links it checks all ask it again)."""
    if item.shown_to is None:
        return True
    known = getattr(user, "_nav_conditions", None)
    if known is None:
        known = user._nav_conditions = {}
    if item.shown_to not in known:
        known[item.shown_to] = bool(item.shown_to(user))
    return known[item.shown_to]


#: (urlconf, script prefix) → {url name: the path of its page, or None when it is not installed}: every page of the
#: portal shows the same paths
_paths: dict[tuple[str | None, str], dict[str, str | None]] = {}


@receiver(setting_changed)
def _forget_paths(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _paths.clear()


def may_open(user, url: str) -> bool:
    """Whether the user may be sent to `url` as far as the navigation tells: a page that some navigation lists only when
    the user's lists it too (a page listed for suppliers alone is no operator's, though a superuser's views admit it);
    a page no navigation lists (one object's page) is left to its view; an address of no page, never. For links whose
    target is stored or written for another role (a supplier's notice read by the operator)."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    try:
        name = resolve(urlsplit(url).path).view_name
    except Resolver404:
        return False
    listing = [item for item in _items if item.url_name == name]
    return not listing or any(True for _ in _open_to(user, listing))


def _grouped(entries: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for entry in entries:
        groups.setdefault(str(entry["group"]), {"label": entry["group"], "items": []})["items"].append(entry)
    return _ungrouped_last(groups)


def _laid_out(entries: list[dict], menu: list[tuple[str | Promise, frozenset[str]]]) -> list[dict]:
    """The entries under the menu's headings, in its order (a heading with no entry the user may open is left out)."""
    groups = {str(heading): {"label": heading, "items": []} for heading, _names in menu} | {"": {"label": "", "items": []}}
    for entry in entries:
        heading = next((str(h) for h, names in menu if entry["url_name"] in names), "")
        groups[heading]["items"].append(entry)
    return _ungrouped_last({key: group for key, group in groups.items() if group["items"]})


def _ungrouped_last(groups: dict[str, dict]) -> list[dict]:
    ungrouped = groups.pop("", None)
    return [*groups.values(), *([ungrouped] if ungrouped else [])]


_supplier_pages: list[NavItem] = []  # the lists a supplier's page links to: no badge, no group


def register_supplier_page(label: str | Promise, url_name: str, *, roles: set[str] | frozenset[str], order: int = 100) -> None:
    """Add a list that filters by `?supplier=<id>` (a supplier's contracts, gifts, cases…) to the links of the operator's
    page of a supplier, for `roles` (call from an AppConfig.ready): each app links its own list, so the supplier page
    needs no app's views."""
    page = NavItem(label, url_name, frozenset(roles), order)
    if page not in _supplier_pages:
        _supplier_pages.append(page)
        _supplier_pages.sort(key=lambda p: p.order)


def supplier_pages(user, supplier_id: int) -> list[dict]:
    """The lists of one supplier's rows the user's role may open, in order: `label`, `url` (filtered to the supplier)."""
    from urllib.parse import urlencode

    query = urlencode({"supplier": supplier_id})
    return [{"label": page.label, "url": f"{url}?{query}", "url_name": page.url_name} for page, url in _open_to(user, _supplier_pages)]
