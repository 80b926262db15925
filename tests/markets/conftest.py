"""A toy dataset whose indicators can be worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

ENTITIES = """id,name,kind,listed,revenue_usd_bn,cash_usd_bn
a,Alpha,hyperscaler,true,100,20
b,Beta,neocloud,true,10,5
c,Gamma,ai_lab,false,50,
bank,Bank,lender,false,,
"""
# The window after 2026-01-31 is 2026-02-01..2027-01-31: both contracts fall wholly in it.
DEALS = """id,payer,payee,kind,amount_usd_bn,basis,status,announced,start,end,evidence,sources
D1,a,b,compute_contract,12,reported,committed,2025-06-01,2026-02,2027-01,A,s1
D2,c,b,compute_contract,6,reported,committed,2025-06-01,2026-02,2027-01,A,s1
D3,bank,b,loan,8,reported,committed,2025-01-01,2025-01,2026-06,A,s1
D4,c,a,compute_contract,40,reported,committed,2026-03-01,2026-04,2027-03,A,s1
"""
SOURCES = """id,url,publisher,title,date
s1,https://example.org/toy,Example,Toy source,2026-01-01
"""
MARKET = """id,entity,instrument,issue,date,value,unit,sources,notes
M1,b,cds_5y,,2025-07-31,100,bp,s1,
M2,b,cds_5y,,2025-10-31,200,bp,s1,
M3,b,cds_5y,,2026-01-31,400,bp,s1,
M4,b,share_price,,2025-07-31,50,usd,s1,
M5,b,share_price,,2025-10-31,80,usd,s1,
M6,b,share_price,,2026-01-31,30,usd,s1,
M7,a,bond_spread,Alpha 5% 2035,2026-01-15,90,bp,s1,
"""


def write_toy(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in (("entities.csv", ENTITIES), ("deals.csv", DEALS),
                       ("sources.csv", SOURCES), ("market.csv", MARKET)):
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    return write_toy(tmp_path / "toy")


@pytest.fixture
def toy(toy_dir: Path):
    import dealloop as dl

    return dl.load(toy_dir)
