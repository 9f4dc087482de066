"""Reads of the catalog and inventory, scoped and in a constant number of queries."""
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from core.models import Program, Tier
from suppliers.errors import OutOfStock
from suppliers.models import Gift, GiftPrice, Location, StockRecord

LISTED = [Gift.State.ONLINE, Gift.State.CLEARANCE]


def list_catalog(
    *, program: Program, tier: str, category: str | None = None, min_points: int | None = None, max_points: int | None = None, text: str | None = None
) -> QuerySet[Gift]:
    """Listed gifts of `program` a member of `tier` may see, with `points_base` and `available` annotated.

    Sold-out gifts stay listed (available = 0). Points filters apply to the listed price before tier discounts.
    """
    program_price = GiftPrice.objects.filter(gift=OuterRef("pk"), program=program).values("points_price")[:1]
    available = (
        StockRecord.objects.filter(gift=OuterRef("pk")).values("gift").annotate(total=Sum(F("on_hand") - F("reserved"))).values("total")[:1]
    )
    gifts = (
        Gift.objects.filter(state__in=LISTED, prices__program=program, min_tier__in=Tier.at_or_below(tier))
        .select_related("supplier", "category")
        .annotate(
            program_points=Subquery(program_price, output_field=IntegerField()),
            available=Coalesce(Subquery(available, output_field=IntegerField()), Value(0)),
        )
        .annotate(
            points_base=Case(
                When(state=Gift.State.CLEARANCE, clearance_points_price__isnull=False, then=F("clearance_points_price")),
                default=F("program_points"),
                output_field=IntegerField(),
            )
        )
    )
    if category:
        gifts = gifts.filter(category__code=category)
    if min_points is not None:
        gifts = gifts.filter(points_base__gte=min_points)
    if max_points is not None:
        gifts = gifts.filter(points_base__lte=max_points)
    if text:
        gifts = gifts.filter(name__icontains=text) | gifts.filter(description__icontains=text)
    return gifts.order_by("points_base", "id")


def member_points_price(*, gift: Gift, program: Program, tier: str, base: int) -> int:
    """The points a member of `tier` pays per unit: GoTone tier discounts (percent, half up); none elsewhere or in clearance."""
    if not program.has_tiers or gift.state == Gift.State.CLEARANCE:
        return base
    percent = Decimal(str((gift.tier_discounts or {}).get(tier, 0)))
    return int((Decimal(base) * (Decimal(100) - percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def choose_location(*, gift: Gift, quantity: int) -> Location:
    """The one place a reservation is taken from: the supplier's own location for dropship gifts,
    otherwise the warehouse with the most available units (lowest id on a tie).

    :raises OutOfStock: if no location has `quantity` available
    """
    records = StockRecord.objects.filter(gift=gift).select_related("location").annotate(free=F("on_hand") - F("reserved"))
    kind = Location.Kind.DROPSHIP if gift.fulfilment == Gift.Fulfilment.DROPSHIP else Location.Kind.WAREHOUSE
    record = records.filter(location__kind=kind, free__gte=quantity).order_by("-free", "location_id").first()
    if record is None:
        raise OutOfStock(field="quantity", gift=gift.pk)
    return record.location
