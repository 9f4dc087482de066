"""What the first entry of each workflow's history must say: the step that made the object, who and when.

`CREATED` names, per StateMachine model, the creation step its service logs, the object's own field holding the time it
was made, and who made it: the path of the object's own field naming that user, SYSTEM for objects only the system makes
(logged with no actor, shown as 系统), or ANY where either a user or the system may make it.
"""
from core.fsm import history_of
from core.models.transitions import CREATION_LABELS

SYSTEM, ANY = "system", "any"

CREATED = {
    "Supplier": ("apply", "applied_at", "admin_user"),
    "SupplierMembership": ("create", None, ANY),
    "Contract": ("create", "created_at", ANY),
    "Qualification": ("upload", "uploaded_at", ANY),
    "ProfileChange": ("request", "requested_at", "requested_by"),
    "Gift": ("create", "created_at", ANY),
    "GiftRevision": ("request", "requested_at", "requested_by"),
    "ReplenishmentRequest": ("create", "raised_at", SYSTEM),
    "Complaint": ("open", "opened_at", "opened_by"),
    "RedemptionOrder": ("place", "placed_at", "member.user"),
    "ExtraCost": ("record", "recorded_at", "recorded_by"),
    "ReturnRequest": ("request", "requested_at", ANY),
    "Shipment": ("create", "created_at", ANY),
    "LogisticsClaim": ("open", "opened_at", "reported_by"),
    "InboundShipment": ("announce", "announced_at", ANY),
    "LeftoverLot": ("record", "created_at", SYSTEM),
    "GoodsBack": ("create", "created_at", ANY),  # by the inspector of its return (the history names it)
    "Statement": ("generate", "generated_at", ANY),
    "Adjustment": ("create", "created_at", "created_by"),
    "PenaltyProposal": ("propose", "created_at", SYSTEM),
    "SuspensionProposal": ("propose", "created_at", SYSTEM),
    "RectificationCase": ("open", "opened_at", "opened_by"),
    "ReEvaluation": ("create", "created_at", SYSTEM),
    "CreditUpload": ("upload", "uploaded_at", "uploaded_by"),
}


def _maker(obj, path: str):
    if path == "admin_user":  # a supplier is applied for by the admin user made with it
        return obj.memberships.get(user__role="supplier_admin").user
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def assert_history_begins_with_creation(obj) -> None:
    """The object's history begins with its creation step (from no state to a state of the workflow), made by whoever
    `CREATED` says, at the time the object says it was made."""
    step, time_field, maker = CREATED[type(obj).__name__]
    history = list(history_of(obj))
    assert history, f"{obj!r} has no history"
    first = history[0]
    assert (first.transition, first.source_state) == (step, ""), f"{type(obj).__name__} #{obj.pk} begins with {first.transition}"
    assert step in CREATION_LABELS and first.target_state
    assert first.at is not None and (time_field is None or first.at == getattr(obj, time_field))
    if maker == SYSTEM:
        assert first.actor is None
    elif maker != ANY:
        assert first.actor == _maker(obj, maker)
    assert not [log for log in history[1:] if log.source_state == ""], "created twice"
