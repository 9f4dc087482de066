"""Complaints and suggestions (投诉与建议, SPEC §4.9): one channel, triaged to the party who answers within 48 hours.

`open → triaged → responded → resolved`; `triaged | reopened → escalated` when a deadline passes unanswered (beat,
once per deadline); `escalated | reopened → responded`; `resolved → reopened` by the member within 7 days, and
`responded → reopened` by the member saying the answer did not solve it (仍未解决, with why), each starting a new deadline. An operator chases the supplier or logistics provider of an escalated complaint (催办, a
`ComplaintReminder`: no state change; a supplier is told in its inbox, logistics staff find it marked in their queue
and on their home page). Each deadline is a `ComplaintDeadline` row (the SLA facts the assessment counts). A
suggestion comes from a supplier, is triaged to the operator and has no deadline.

The package is used as `complaints.open_complaint`, …: `intake` takes a complaint or suggestion in, `parties` says who
answers it and whose move it is, `answering` triages, answers, resolves and reopens it, `deadlines` starts its deadline
and runs the beat jobs and chasing, `reads` gives the queue and what each user sees of a complaint. A module calls a
sibling's function by the name it imported, so a test replacing one patches it in the module that calls it.
"""
from .intake import PUBLIC_OPENERS, barred_supplier, complainable_gifts, complainable_suppliers, complaint_channel, open_complaint, send_suggestion, suppliers_to_complain_about
from .parties import RESPONDER_ROLES, WAITS_FOR_MEMBER, WAITS_FOR_TRIAGE, answers_for, is_complainant, may_respond, operates, waits_for
from .answering import REOPEN_WITHIN, dispute_answer, may_reopen, may_take, reopen_complaint, reopen_until, require_responder, resolve_complaint, respond_to_complaint, take_complaint, triage_complaint, triage_parties
from .deadlines import RemindPause, auto_resolve, escalate_overdue, is_overdue, may_remind, remind_paused, remind_responsible
from .reads import Progress, answered_for_opener, answers_to_confirm, by_lateness, chased_complaints, complaints_waiting, deadlines_of, list_complaints, opened_by, progress_shown, reads_as_opener, reminders_of, waiting_for_caller, with_reminders

__all__ = ["PUBLIC_OPENERS", "Progress", "REOPEN_WITHIN", "RESPONDER_ROLES", "RemindPause", "WAITS_FOR_MEMBER", "WAITS_FOR_TRIAGE",
    "answered_for_opener", "answers_to_confirm", "answers_for", "auto_resolve", "barred_supplier", "by_lateness", "chased_complaints", "complainable_gifts",
    "complainable_suppliers", "complaint_channel", "complaints_waiting", "deadlines_of", "dispute_answer", "escalate_overdue", "is_complainant",
    "is_overdue", "list_complaints", "may_remind", "may_reopen", "may_respond", "may_take", "open_complaint", "opened_by",
    "operates", "progress_shown", "reads_as_opener", "remind_paused", "remind_responsible", "reminders_of", "reopen_complaint", "reopen_until",
    "require_responder", "resolve_complaint", "respond_to_complaint", "send_suggestion", "suppliers_to_complain_about", "take_complaint",
    "triage_complaint", "triage_parties", "waiting_for_caller", "waits_for", "with_reminders"]
