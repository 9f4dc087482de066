"""简体中文: 1,234,567 积分, ¥12,345.60; dates 2026-12-06 in tables, 2026年12月6日 in prose (the date filter's default).

Django's zh_Hans groups by four with no separator (1234567); readers here expect groups of three."""
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
