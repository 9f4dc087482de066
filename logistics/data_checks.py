"""Logistics' invariant that no constraint holds, for `manage.py verify_data` (core.data_checks): the evidence of returns
(pictures and PDFs from members, suppliers and inspectors) is in the storage."""
from core.data_checks import files_missing, register_data_check
from logistics.models import ReturnEvidence

register_data_check("logistics.return_evidence_present", "each return's evidence file is in the storage",
                    lambda *, now: files_missing(ReturnEvidence.objects, "file"))
