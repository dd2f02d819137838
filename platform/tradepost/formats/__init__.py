"""Tradepost's number and date formats per language (FORMAT_MODULE_PATH), over
Django's own: one unambiguous date form per language — ISO (2026-12-07) in lists and
forms (SHORT_DATE_FORMAT), the long form on documents and headings (DATE_FORMAT) —
and amounts grouped by thousands in both languages (300,000.00): Django's Chinese
formats group by ten thousands with no separator, which reads as 300000.00."""
