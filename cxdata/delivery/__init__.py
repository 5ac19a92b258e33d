"""Scheduled deliveries of the meeting pack (README "Deliveries"): a saved view, its formats, its targets and a
cadence, stored in the catalog (:mod:`cxdata.delivery.schedules`); ``python -m cxdata deliver`` makes the due ones'
files and sends them by e-mail, into a folder or to a webhook (:mod:`cxdata.delivery.senders`), retrying and logging
every target's outcome (:mod:`cxdata.delivery.deliver`).
"""
