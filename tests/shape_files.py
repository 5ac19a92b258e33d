"""Two shapes of real data the tests import: a customers-only churn file and a call-centre log without
customer ids (shared by the engine and the app tests; the expected numbers are worked out in each test)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

#: A churn file as it is usually exported (the IBM Telco layout): one row per customer, no dates.
TELCO_CSV = """customerID,gender,SeniorCitizen,tenure,Contract,MonthlyCharges,Churn
0001-A,Female,0,1,Month-to-month,29.85,No
0002-B,Male,0,34,One year,56.95,No
0003-C,Male,0,2,Month-to-month,53.85,Yes
0004-D,Male,0,45,One year,42.30,No
0005-E,Female,0,2,Month-to-month,70.70,Yes
0006-F,Female,0,8,Month-to-month,99.65,Yes
0007-G,Male,0,22,Month-to-month,89.10,No
0008-H,Female,0,10,Month-to-month,29.75,No
0009-I,Female,0,28,Month-to-month,104.80,Yes
0010-J,Male,0,62,One year,56.15,No
0011-K,Male,0,13,Month-to-month,49.95,No
0012-L,Female,0,16,Two year,18.95,No
0013-M,Male,0,58,One year,100.35,No
0014-N,Male,0,49,Month-to-month,103.70,Yes
0015-O,Male,0,25,Month-to-month,105.50,No
0016-P,Female,0,69,Two year,113.25,No
0017-Q,Female,0,52,One year,20.65,No
0018-R,Male,0,71,Two year,106.70,No
0019-S,Female,0,10,Month-to-month,55.20,Yes
0020-T,Female,1,21,Month-to-month,90.05,No
"""


def call_log(n: int = 900, seed: int = 7) -> tuple[str, list[dict]]:
    """A call-centre export: no customer ids; CSAT falls with the wait and when the call is not resolved."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0)
    rows = []
    for i in range(n):
        abandoned = rng.random() < 0.1
        wait = round(rng.expovariate(1 / 90), 1)
        resolved = None if abandoned else rng.random() < 0.7
        handle = None if abandoned else round(rng.uniform(120, 600))
        csat = None
        if not abandoned and rng.random() < 0.6:
            bad = 0.08 + 0.35 * min(wait / 300, 1) + (0.3 if not resolved else 0)
            csat = rng.choice([1, 2]) if rng.random() < bad else rng.choice([3, 4, 5, 5])
        rows.append({"started_at": start + timedelta(hours=2.3 * i), "channel": "phone",
                     "reason": rng.choice(["billing", "outage", "move"]), "agent": rng.choice(["Ana", "Bo", "Cy"]),
                     "wait_seconds": wait, "handle_seconds": handle, "abandoned": abandoned, "resolved": resolved,
                     "csat": csat})
    header = list(rows[0])
    text = "\n".join([",".join(header)] + [",".join("" if r[k] is None else str(r[k]).lower() if isinstance(r[k], bool)
                                                   else str(r[k]) for k in header) for r in rows])
    return text + "\n", rows
