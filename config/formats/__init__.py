"""How the portal writes numbers and dates in each of its languages (FORMAT_MODULE_PATH): the one place for the rule.

Django's own modules fill in what these leave out (input formats among them, so what forms accept is unchanged).
Numbers are grouped by threes with "," in both languages, but only where a page asks for it (`intcomma`,
`core.texts.yuan`, the charts): USE_THOUSAND_SEPARATOR stays off, so ids in links and attributes, form inputs, the
API and downloads keep plain numbers."""
